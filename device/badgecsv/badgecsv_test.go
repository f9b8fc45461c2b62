package badgecsv

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"stampclock/device/ctlproto"
)

// Issue 11, defect 5: every CSV problem is a line-numbered message; no
// panic, no control characters, no invalid UTF-8 get through.
func TestReadBadgeCSV_BadLinesNamed(t *testing.T) {
	for _, c := range []struct {
		name, csv string
		line      int
		want      string
	}{
		{"quote error in the first field", "uid,email\n\"unterminated,g@x.y\n", 2, "quote"},
		{"quote error later", "uid,email\n0A000001,a@x.y\n0A000002,\"b@x.y\n", 3, "quote"},
		{"ANSI escape in the name", "uid,email,name\n0A000001,a@x.y,\x1b[2J\x1b[31mBoss\n", 2, "control character"},
		{"newline in a quoted name", "uid,email,name\n0A000001,a@x.y,\"two\nlines\"\n", 2, "control character"},
		{"escape in the email", "uid,email\n0A000001,a\x1b@x.y\n", 2, "control character"},
		{"not UTF-8", "uid,email,name\n0A000001,a@x.y,M\xfcller\n", 2, "UTF-8"},
		{"duplicate uid", "uid,email\n0a:00:00:01,a@x.y\n0A000001,b@x.y\n", 3, "already on line 2"},
	} {
		rows, bad, err := Read(strings.NewReader(c.csv), nil)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if len(bad) != 1 || bad[0].Line != c.line || !strings.Contains(bad[0].Err, c.want) {
			t.Errorf("%s: line errors %+v (rows %+v), want line %d %q", c.name, bad, rows, c.line, c.want)
		}
	}
}

func TestReadBadgeCSV_LargeFile(t *testing.T) {
	var b strings.Builder
	b.WriteString("uid,email,name\n")
	for i := 0; i < 13500; i++ {
		fmt.Fprintf(&b, "%08X,e%d@example.com,Name %d\n", 0x0A000000+i, i, i)
	}
	rows, bad, err := Read(strings.NewReader(b.String()), nil)
	if err != nil || len(bad) != 0 || len(rows) != 13500 || rows[13499].Line != 13501 {
		t.Fatalf("rows %d, bad %v, err %v", len(rows), bad, err)
	}
}

// Files as an operator's spreadsheet saves them: semicolons (a German
// Excel), a byte order mark, CRLF, "E-Mail" for the email column. Before,
// the semicolon file and the E-Mail header were refused ("header …: want
// columns uid (or printed) and email").
func TestReadBadgeCSV_SpreadsheetExports(t *testing.T) {
	want := []string{"04A1B2C4 huber@example.com Huber", "04A1B2C5 maier@example.com Maier, Anna"}
	for _, c := range []struct{ name, csv string }{
		{"commas", "uid,email,name\n04A1B2C4,huber@example.com,Huber\n04A1B2C5,maier@example.com,\"Maier, Anna\"\n"},
		{"semicolons, CRLF, byte order mark", "\ufeffUID;E-Mail;Name\r\n04A1B2C4;huber@example.com;Huber\r\n04A1B2C5;maier@example.com;Maier, Anna\r\n"},
		{"semicolons, quoted", "\"uid\";\"email\";\"name\"\n\"04A1B2C4\";\"huber@example.com\";\"Huber\"\n\"04A1B2C5\";\"maier@example.com\";\"Maier, Anna\"\n"},
		{"E-Mail with commas", "UID,E-Mail,Name\n04A1B2C4,huber@example.com,Huber\n04A1B2C5,maier@example.com,\"Maier, Anna\"\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rows, bad, err := Read(strings.NewReader(c.csv), nil)
			if err != nil || len(bad) > 0 {
				t.Fatalf("Read: %v, line errors %+v", err, bad)
			}
			var got []string
			for _, r := range rows {
				got = append(got, r.UID+" "+r.Email+" "+r.Name)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("rows = %q, want %q", got, want)
			}
		})
	}
	// A header that names neither column is still refused, without the
	// byte order mark in the message.
	_, _, err := Read(strings.NewReader("\ufeffKarte;Person\n04A1B2C4;huber@example.com\n"), nil)
	if err == nil || !strings.Contains(err.Error(), "header karte;person: want columns uid") {
		t.Errorf("err = %v", err)
	}
}

// What Write writes, Read reads back as it was, in each format: for a
// script (commas), and for an office's spreadsheet in English and in
// German (byte order mark, semicolons, a name that would be a formula
// behind a ').
func TestWrite_EachFormat_ReadBackAsWritten(t *testing.T) {
	bs := []ctlproto.BadgeInfo{
		{UID: "04A1B2C3", Email: "mueller@example.com", Name: "Jürgen Müller", Source: "config"},
		{UID: "04A1B2C4", Email: "maier@example.com", Name: "Maier, Anna", Source: "enrolled"},
		{UID: "04A1B2C5", Email: "x@example.com", Name: "=HYPERLINK(\"http://evil.example\")", Source: "enrolled"},
		{UID: "04A1B2C6", Email: "y@example.com", Name: "-Bert", Source: "enrolled"},
		{UID: "04A1B2C7", Email: "admin@example.com", Admin: true},
	}
	for _, tc := range []struct {
		name    string
		f       Format
		prefix  string // how the file begins
		formula string // how the formula name is written
	}{
		{"script", Format{}, "uid,email,name,source\n", `"=HYPERLINK(""http://evil.example"")"`},
		{"spreadsheet, English", Format{Spreadsheet: true}, "\ufeffuid,email,name,source\n", `"'=HYPERLINK(""http://evil.example"")"`},
		{"spreadsheet, German", Format{Spreadsheet: true, Comma: ';'}, "\ufeffuid;email;name;source\n", `"'=HYPERLINK(""http://evil.example"")"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			Write(&buf, bs, tc.f)
			out := buf.String()
			if !strings.HasPrefix(out, tc.prefix) || !strings.Contains(out, tc.formula) || strings.Contains(out, "admin@") {
				t.Fatalf("written:\n%s\nwant it to begin %q, hold %s and no admin badge", out, tc.prefix, tc.formula)
			}
			rows, bad, err := Read(strings.NewReader(out), nil)
			if err != nil || len(bad) > 0 {
				t.Fatalf("read back: %v %v", err, bad)
			}
			if len(rows) != 4 {
				t.Fatalf("read back %d rows, want 4: %+v", len(rows), rows)
			}
			for i, r := range rows {
				if r.UID != bs[i].UID || r.Email != bs[i].Email || r.Name != bs[i].Name {
					t.Errorf("row %d read back as %+v, want %+v", i, r, bs[i])
				}
			}
		})
	}
}
