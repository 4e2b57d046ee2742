package policy

import _ "embed"

//go:embed template.yaml
var template []byte

// Template is the commented starter policy `cordon policy init` writes. It
// validates as it is (a test checks it) and equals the built-in default
// except where its comments say otherwise.
func Template() []byte { return append([]byte(nil), template...) }
