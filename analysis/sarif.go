package analysis

// SARIF 2.1.0 output, as GitHub code scanning and other SARIF consumers
// accept it: one run, tool.driver.rules with id, name, shortDescription,
// fullDescription, help and properties, results with ruleId, ruleIndex,
// level, message and a physicalLocation region.

import (
	"encoding/json"
	"io"
	"path/filepath"
	"strings"

	"github.com/cordonsec/cordon/policy"
)

const sarifSchema = "https://json.schemastore.org/sarif-2.1.0.json"

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Results     []sarifResult     `json:"results"`
	Invocations []sarifInvocation `json:"invocations"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifHelp struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	Help                 sarifHelp      `json:"help"`
	DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifResult struct {
	RuleID     string          `json:"ruleId"`
	RuleIndex  int             `json:"ruleIndex"`
	Level      string          `json:"level"`
	Message    sarifText       `json:"message"`
	Locations  []sarifLocation `json:"locations"`
	Properties map[string]any  `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int        `json:"startLine"`
	StartColumn int        `json:"startColumn"`
	EndLine     int        `json:"endLine,omitempty"`
	EndColumn   int        `json:"endColumn,omitempty"`
	Snippet     *sarifText `json:"snippet,omitempty"`
}

// FileError is a file that could not be analysed, for SARIF notifications.
type FileError struct {
	File string `json:"file"`
	Err  string `json:"error"`
}

// SARIFLevel maps a severity to a SARIF result level.
func SARIFLevel(s policy.Severity) string {
	switch s {
	case policy.SeverityHigh:
		return "error"
	case policy.SeverityMedium:
		return "warning"
	}
	return "note"
}

func sarifURI(file string) string {
	return filepath.ToSlash(strings.TrimPrefix(file, "./"))
}

// WriteSARIF writes reports (and files that failed) as one SARIF 2.1.0 log.
func WriteSARIF(w io.Writer, version string, reports []*Report, failed []FileError) error {
	drv := sarifDriver{Name: "cordon", Version: version, InformationURI: "https://github.com/cordonsec/cordon/blob/main/docs/rules.md"}
	index := map[string]int{}
	for i, r := range rules {
		index[r.ID] = i
		drv.Rules = append(drv.Rules, sarifRule{
			ID: r.ID, Name: r.Name,
			ShortDescription:     sarifText{r.Summary},
			FullDescription:      sarifText{r.Summary + " " + r.Why},
			Help:                 sarifHelp{Text: r.Why + " Example: " + r.Example, Markdown: "**" + r.Name + "**: " + r.Why + "\n\n```python\n" + r.Example + "\n```"},
			DefaultConfiguration: sarifConfig{Level: SARIFLevel(r.Severity)},
			Properties:           map[string]any{"category": r.Category, "precision": sarifPrecision(r.Confidence), "security-severity": securitySeverity(r.Severity), "tags": []string{"security", r.Category}},
		})
	}
	run := sarifRun{Tool: sarifTool{Driver: drv}, Results: []sarifResult{}, Invocations: []sarifInvocation{{ExecutionSuccessful: len(failed) == 0}}}
	for _, rep := range reports {
		for _, f := range rep.Findings {
			reg := &sarifRegion{StartLine: max(f.Line, 1), StartColumn: max(f.Column, 1), EndLine: f.EndLine, EndColumn: f.EndColumn}
			if f.Snippet != "" {
				reg.Snippet = &sarifText{f.Snippet}
			}
			res := sarifResult{RuleID: f.Rule, RuleIndex: index[f.Rule], Level: SARIFLevel(f.Severity), Message: sarifText{f.Message},
				Locations:  []sarifLocation{{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: sarifURI(rep.File)}, Region: reg}}},
				Properties: map[string]any{"severity": string(f.Severity), "confidence": f.Confidence}}
			if f.Target != "" {
				res.Properties["target"] = f.Target
			}
			run.Results = append(run.Results, res)
		}
	}
	for _, fe := range failed {
		run.Invocations[0].ToolExecutionNotifications = append(run.Invocations[0].ToolExecutionNotifications, sarifNotification{
			Level: "error", Message: sarifText{fe.Err},
			Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: sarifURI(fe.File)}}}}})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: sarifSchema, Version: "2.1.0", Runs: []sarifRun{run}})
}

func sarifPrecision(c string) string {
	switch c {
	case "high":
		return "high"
	case "medium":
		return "medium"
	}
	return "low"
}

func securitySeverity(s policy.Severity) string {
	switch s {
	case policy.SeverityHigh:
		return "8.0"
	case policy.SeverityMedium:
		return "5.0"
	}
	return "2.0"
}
