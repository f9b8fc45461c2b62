package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"stampclock/device/ctlproto"
)

// A file that cannot be read ends the lines with the report and why, and
// the exit status says so: stampctl salvage prints that error.
func TestSalvage_MissingFile_LastLineSaysWhy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gone.db")
	var out bytes.Buffer
	if code := salvageFile(path, &out); code != 1 {
		t.Fatalf("exit %d, want 1; output %q", code, out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var last ctlproto.SalvageLine
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil {
		t.Fatalf("last line %q: %v", lines[len(lines)-1], err)
	}
	if last.Report == nil || last.Record != nil || !strings.Contains(last.Error, "gone.db") {
		t.Fatalf("last line = %+v, want the report and an error naming the file", last)
	}
}
