package policy

import (
	"sort"
	"strings"
	"sync"
)

// The analysis rule ids a waiver (analysis.allow) may name. Package
// analysis, which owns the catalogue, registers it when it is linked in
// (as it is in the cordon command and the library); a program without it
// checks rule ids for their form only.
var knownRules struct {
	sync.RWMutex
	byID   map[string]string // id -> name
	byName map[string]string // name -> id
}

// RegisterRule records an analysis rule: its id (CDN101) and its name
// (exec-eval).
func RegisterRule(id, name string) {
	knownRules.Lock()
	defer knownRules.Unlock()
	if knownRules.byID == nil {
		knownRules.byID, knownRules.byName = map[string]string{}, map[string]string{}
	}
	knownRules.byID[id] = name
	knownRules.byName[name] = id
}

// ruleProblem says what is wrong with a waiver's rule id, or "" when it
// names a registered rule (or none are registered).
func ruleProblem(id string) string {
	knownRules.RLock()
	defer knownRules.RUnlock()
	if len(knownRules.byID) == 0 {
		return ""
	}
	if _, ok := knownRules.byID[id]; ok {
		return ""
	}
	if real, ok := knownRules.byName[strings.ToLower(id)]; ok {
		return "is a rule's name; waivers take its id: " + real
	}
	if _, ok := knownRules.byID[strings.ToUpper(id)]; ok {
		return "is not a rule id (did you mean " + strings.ToUpper(id) + "?)"
	}
	ids := make([]string, 0, len(knownRules.byID))
	for i := range knownRules.byID {
		ids = append(ids, i)
	}
	sort.Strings(ids)
	best, bestD := "", 3
	for _, c := range ids {
		if d := editDistance(strings.ToUpper(id), c); d < bestD {
			best, bestD = c, d
		}
	}
	if best != "" && bestD <= 1 {
		return "is not a rule id (did you mean " + best + "?)"
	}
	return "is not a rule id (docs/rules.md lists them, " + ids[0] + " ... " + ids[len(ids)-1] + ")"
}
