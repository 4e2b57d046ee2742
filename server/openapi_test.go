package server

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cordonsec/cordon"
	"github.com/cordonsec/cordon/layers"
)

// TestOpenAPICoversRoutes: every route the server has is in the OpenAPI
// document with its method, and the document has no path the server does
// not serve; request schemas list exactly the fields the decoder takes.
func TestOpenAPICoversRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string                              `json:"openapi"`
		Paths   map[string]map[string]any           `json:"paths"`
		Comp    struct{ Schemas map[string]schema } `json:"components"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	s := &Server{m: &metrics{}}
	s.m = newMetrics(s)
	seen := map[string]bool{}
	for _, rt := range s.routes() {
		method, path, _ := strings.Cut(rt.pattern, " ")
		path = strings.ReplaceAll(path, "...}", "}")
		seen[path] = true
		if _, ok := doc.Paths[path][strings.ToLower(method)]; !ok {
			t.Errorf("route %s is not in openapi.json", rt.pattern)
		}
	}
	for p := range doc.Paths {
		if !seen[p] {
			t.Errorf("openapi.json has %s, which the server does not serve", p)
		}
	}
	for name, v := range map[string]any{"RunRequest": RunRequest{}, "File": File{}, "CheckRequest": CheckRequest{}} {
		var fields []string
		rt := reflect.TypeOf(v)
		for i := range rt.NumField() {
			n, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
			fields = append(fields, n)
		}
		var documented []string
		for k := range doc.Comp.Schemas[name].Properties {
			documented = append(documented, k)
		}
		slices.Sort(fields)
		slices.Sort(documented)
		if !slices.Equal(fields, documented) {
			t.Errorf("%s: fields %v, documented %v", name, fields, documented)
		}
	}
}

type schema struct {
	Properties map[string]any `json:"properties"`
}

// TestOpenAPIResult: the Result schema has exactly cordon.Result's JSON
// fields, and its vocabularies (status, layer names, event types) are the
// code's lists.
func TestOpenAPIResult(t *testing.T) {
	var doc struct {
		Comp struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Enum                 []string `json:"enum"`
					AdditionalProperties struct {
						Enum []string `json:"enum"`
					} `json:"additionalProperties"`
					Items struct {
						Properties map[string]struct {
							Enum []string `json:"enum"`
						} `json:"properties"`
					} `json:"items"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	props := doc.Comp.Schemas["Result"].Properties
	var got, want []string
	for k := range props {
		got = append(got, k)
	}
	rt := reflect.TypeFor[cordon.Result]()
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		want = append(want, name)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("openapi.json's Result has %q, cordon.Result %q", got, want)
	}
	strs := func(n int, f func(int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	for _, c := range []struct {
		what      string
		got, want []string
	}{
		{"status", props["status"].Enum, strs(len(cordon.Statuses), func(i int) string { return string(cordon.Statuses[i]) })},
		{"failed_layer", props["failed_layer"].Enum, strs(len(layers.All), func(i int) string { return string(layers.All[i]) })},
		{"events[].type", props["events"].Items.Properties["type"].Enum, strs(len(cordon.EventTypes), func(i int) string { return string(cordon.EventTypes[i]) })},
		{"layers", props["layers"].AdditionalProperties.Enum, []string{string(cordon.LayerActive), string(cordon.LayerDegraded), string(cordon.LayerOff)}},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("openapi.json's Result %s: %q, the code has %q", c.what, c.got, c.want)
		}
	}
}
