package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"stampclock/device/readers"
	"stampclock/reader"
)

// drivers.go is what the list makes of it: a kind added with a Driver is
// opened once `go generate` ran.
func TestDriversFile_MatchesTheList(t *testing.T) {
	want, err := generate(readers.All())
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../" + file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("device/readers/hardware/%s is out of date with the reader kinds in device/readers: run go generate ./device/readers/hardware\nwant:\n%s", file, want)
	}
}

func TestGenerate_OneOpenerPerKindWithADriver(t *testing.T) {
	kinds := []reader.Kind{
		{Name: "selfopening"},
		{Name: "chip", Driver: "example.org/drivers/chip"},
		{Name: "other", Driver: "example.org/other"},
	}
	src, err := generate(kinds)
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	for _, want := range []string{`"example.org/drivers/chip"`, `"example.org/other"`, `driverOf(chip.OpenConfig),`, `driverOf(other.OpenConfig),`} {
		if !strings.Contains(s, want) {
			t.Errorf("generated file lacks %s:\n%s", want, s)
		}
	}
	if strings.Contains(s, "selfopening") {
		t.Errorf("a kind without a driver got an opener:\n%s", s)
	}
	if strings.Index(s, "chip.OpenConfig") > strings.Index(s, "other.OpenConfig") {
		t.Errorf("openers not in the list's order:\n%s", s)
	}
}

func TestGenerate_DriverPathNotAPackageName(t *testing.T) {
	_, err := generate([]reader.Kind{{Name: "chip", Driver: "example.org/go-chip"}})
	if err == nil || !strings.Contains(err.Error(), `"chip"`) || !strings.Contains(err.Error(), "go-chip") {
		t.Fatalf("generate with driver go-chip = %v; want an error naming the kind and the path", err)
	}
}
