package policy

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func loadSchema(t *testing.T) map[string]any {
	t.Helper()
	var s map[string]any
	if err := json.Unmarshal(Schema(), &s); err != nil {
		t.Fatal(err)
	}
	if s["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v", s["$schema"])
	}
	return s
}

// TestSchemaCoversModel walks the Go model: every field is in the schema
// with a description, and every description names a field.
func TestSchemaCoversModel(t *testing.T) {
	s := loadSchema(t)
	seen := map[string]bool{"": true}
	var walk func(rt reflect.Type, node map[string]any, path string)
	walk = func(rt reflect.Type, node map[string]any, path string) {
		if rt.Kind() == reflect.Slice {
			items, _ := node["items"].(map[string]any)
			if items == nil {
				t.Errorf("%s: no items", path)
				return
			}
			walk(rt.Elem(), items, path+"[]")
			return
		}
		if rt.Kind() != reflect.Struct {
			return
		}
		props, _ := node["properties"].(map[string]any)
		if node["additionalProperties"] != false {
			t.Errorf("%s: additionalProperties is not false", path)
		}
		n := 0
		for i := range rt.NumField() {
			name := yamlName(rt.Field(i))
			if name == "" {
				continue
			}
			n++
			fp := join(path, name)
			seen[fp] = true
			sub, ok := props[name].(map[string]any)
			if !ok {
				t.Errorf("field %s missing from the schema", fp)
				continue
			}
			if d, _ := sub["description"].(string); d == "" {
				t.Errorf("field %s has no description", fp)
			}
			walk(rt.Field(i).Type, sub, fp)
		}
		if len(props) != n {
			t.Errorf("%s: schema has %d properties, model %d", path, len(props), n)
		}
	}
	walk(reflect.TypeFor[Policy](), s, "")
	for k := range descriptions {
		if !seen[k] {
			t.Errorf("description for %q names no field", k)
		}
	}
}

// validateSchema checks v against the subset of JSON Schema Schema uses.
func validateSchema(s map[string]any, v any, path string) []string {
	var errs []string
	bad := func(f string, a ...any) { errs = append(errs, path+": "+fmt.Sprintf(f, a...)) }
	typeOK := func(ty string) bool {
		switch ty {
		case "object":
			_, ok := v.(map[string]any)
			return ok
		case "array":
			_, ok := v.([]any)
			return ok
		case "string":
			_, ok := v.(string)
			return ok
		case "boolean":
			_, ok := v.(bool)
			return ok
		case "integer":
			f, ok := v.(float64)
			return ok && f == float64(int64(f))
		case "number":
			_, ok := v.(float64)
			return ok
		}
		return false
	}
	switch ty := s["type"].(type) {
	case string:
		if !typeOK(ty) {
			bad("want %s, got %T", ty, v)
			return errs
		}
	case []any:
		ok := false
		for _, x := range ty {
			ok = ok || typeOK(x.(string))
		}
		if !ok {
			bad("want one of %v, got %T", ty, v)
			return errs
		}
	}
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, v) {
		bad("%v not in %v", v, enum)
	}
	if pat, ok := s["pattern"].(string); ok {
		if str, ok := v.(string); ok && !regexp.MustCompile(pat).MatchString(str) {
			bad("%q does not match %s", str, pat)
		}
	}
	if f, ok := v.(float64); ok {
		if m, ok := s["minimum"].(float64); ok && f < m {
			bad("%v below minimum %v", f, m)
		}
		if m, ok := s["maximum"].(float64); ok && f > m {
			bad("%v above maximum %v", f, m)
		}
	}
	switch x := v.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		req, _ := s["required"].([]any)
		for _, r := range req {
			if _, ok := x[r.(string)]; !ok {
				bad("missing required %s", r)
			}
		}
		for k, val := range x {
			if sub, ok := props[k].(map[string]any); ok {
				errs = append(errs, validateSchema(sub, val, path+"."+k)...)
				continue
			}
			if pn, ok := s["propertyNames"].(map[string]any); ok {
				if !regexp.MustCompile(pn["pattern"].(string)).MatchString(k) {
					bad("property name %q does not match", k)
				}
			}
			switch ap := s["additionalProperties"].(type) {
			case bool:
				if !ap {
					bad("unknown property %q", k)
				}
			case map[string]any:
				errs = append(errs, validateSchema(ap, val, path+"."+k)...)
			}
		}
	case []any:
		items, _ := s["items"].(map[string]any)
		for i, e := range x {
			errs = append(errs, validateSchema(items, e, fmt.Sprintf("%s[%d]", path, i))...)
		}
	}
	return errs
}

func asJSONValue(t *testing.T, yamlText []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(yamlText, &v); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	json.Unmarshal(b, &out)
	return out
}

func TestSchemaAcceptsDefaultsAndTemplate(t *testing.T) {
	s := loadSchema(t)
	docs := map[string][]byte{"template": Template()}
	for _, name := range ProfileNames() {
		p, _ := Profile(strings.TrimPrefix(name, "builtin:"))
		docs[name] = p.YAML()
	}
	full, err := Load("testdata/good_full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	docs["good_full effective"] = full.YAML()
	for name, d := range docs {
		if errs := validateSchema(s, asJSONValue(t, d), name); len(errs) > 0 {
			t.Errorf("%s: %s", name, strings.Join(errs, "\n"))
		}
	}
	// The template validates as a policy too.
	if _, err := Parse("template.yaml", Template()); err != nil {
		t.Errorf("template: %v", err)
	}
}

func TestSchemaRefuses(t *testing.T) {
	s := loadSchema(t)
	for _, doc := range []string{
		"limits: {memroy: 1GiB}",
		"limits: {memory: 256MB!}",
		"limits: {wall_time: '10'}",
		"network: {mode: open}",
		"network: {ports: [70000]}",
		"analysis: {block: critical}",
		"analysis: {allow: [{paths: [a]}]}",
		"audit: {fsync: always}",
		"isolation: {allow_degraded: [cgrup]}",
		"environment: {set: {'bad name': x}}",
		"bogus: 1",
	} {
		if errs := validateSchema(s, asJSONValue(t, []byte(doc)), ""); len(errs) == 0 {
			t.Errorf("schema accepts %s", doc)
		}
	}
}

func TestSchemaPatternsMatchFormatting(t *testing.T) {
	sp, dp := regexp.MustCompile(sizePattern), regexp.MustCompile(durationPattern)
	for _, n := range []Size{0, 1, 1000, 1024, 10_000_000, 256 << 20, 1 << 40} {
		if !sp.MatchString(n.String()) {
			t.Errorf("size %q does not match the schema", n)
		}
	}
	for _, d := range []string{"10s", "1m30s", "250ms", "24h0m0s", "1.5µs", "0s"} {
		if !dp.MatchString(d) {
			t.Errorf("duration %q does not match the schema", d)
		}
	}
}
