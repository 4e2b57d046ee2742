package cordon

import "testing"

func TestMissingPrograms(t *testing.T) {
	tb := `Traceback (most recent call last):
  File "/work/s.py", line 2, in <module>
  File "/usr/lib/python3.11/subprocess.py", line 1901, in _execute_child
    raise child_exception_type(errno_num, err_msg, err_filename)
FileNotFoundError: [Errno 2] No such file or directory: 'git'
`
	for _, tt := range []struct {
		stderr string
		want   []string
	}{
		{tb, []string{"git"}},
		{"sh: 1: make: not found\nbash: line 1: curl: command not found\n", []string{"curl", "make"}},
		// open() of a missing file is not a program.
		{"Traceback (most recent call last):\nFileNotFoundError: [Errno 2] No such file or directory: 'data.csv'\n", nil},
		{"", nil},
	} {
		evs := missingPrograms(tt.stderr)
		var got []string
		for _, e := range evs {
			if e.Type != "program-missing" || e.Detail["field"] != "runtime.tools" {
				t.Errorf("event %+v", e)
			}
			got = append(got, e.Detail["program"].(string))
		}
		if len(got) != len(tt.want) {
			t.Errorf("%q: got %v, want %v", tt.stderr, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%q: got %v, want %v", tt.stderr, got, tt.want)
			}
		}
	}
}
