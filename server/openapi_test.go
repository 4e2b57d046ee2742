package server

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
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
