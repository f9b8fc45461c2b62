// Package badgecsv reads and writes the badge list as CSV (uid, email,
// name): the file `stampctl badges import/export` and the web page's
// import and export use. It checks each line; the daemon decides whether
// a badge is accepted.
package badgecsv

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"stampclock/device/config"
	"stampclock/device/ctlproto"
	"stampclock/reader"
)

// Read parses the CSV; lines it cannot read or accept become line
// errors with their line number. A column "printed" may stand in for "uid":
// conv (from --printed) turns its numbers into UIDs; a row's uid, when
// given, wins. stampctl and the web page both use it.
func Read(r io.Reader, conv func(string) (string, error)) ([]ctlproto.ImportRow, []ctlproto.LineError, error) {
	br := bufio.NewReader(r)
	cr := csv.NewReader(br)
	// A spreadsheet set to German (or another language with a decimal
	// comma) saves CSV with semicolons: a header without a comma and with
	// a semicolon says so.
	if first, _ := br.Peek(headerPeek); !headerHasComma(first) {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("no header line: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		header[i] = h
		if h == "e-mail" { // as spreadsheets in German name it
			h = "email"
		}
		col[h] = i
	}
	iu, okU := col["uid"]
	ie, okE := col["email"]
	in, okN := col["name"]
	ip, okP := col["printed"]
	if !okU && !okP || !okE {
		return nil, nil, fmt.Errorf("header %s: want columns uid (or printed) and email (name optional)", quoteText(strings.Join(header, string(cr.Comma))))
	}
	if okP && conv == nil {
		return nil, nil, fmt.Errorf("header %s: the printed column needs --printed FORM (hex, hex-reversed, em-hex, em-decimal or wiegand26)", quoteText(strings.Join(header, string(cr.Comma))))
	}
	if !okU {
		iu = ip
	}
	var rows []ctlproto.ImportRow
	var bad []ctlproto.LineError
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				bad = append(bad, ctlproto.LineError{Line: pe.StartLine, Err: pe.Err.Error()})
				continue
			}
			return nil, nil, err
		}
		line, _ := cr.FieldPos(0) // only valid after a successful Read
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) <= iu || len(rec) <= ie {
			bad = append(bad, ctlproto.LineError{Line: line, Err: fmt.Sprintf("%d fields; want uid and email", len(rec))})
			continue
		}
		if err := checkFields(rec); err != nil {
			bad = append(bad, ctlproto.LineError{Line: line, Err: err.Error()})
			continue
		}
		row := ctlproto.ImportRow{Line: line, UID: strings.TrimSpace(rec[iu]), Email: strings.TrimSpace(rec[ie])}
		if okP && (!okU || row.UID == "") && len(rec) > ip {
			uid, err := conv(rec[ip])
			if err != nil {
				bad = append(bad, ctlproto.LineError{Line: line, Err: err.Error()})
				continue
			}
			row.UID = uid
		}
		if okN && len(rec) > in {
			row.Name = strings.TrimSpace(rec[in])
			// The ' Write put before a name a spreadsheet would run.
			if rest, ok := strings.CutPrefix(row.Name, "'"); ok && startsFormula(rest) {
				row.Name = rest
			}
		}
		if uid, err := reader.NormalizeUID(row.UID); err == nil {
			if first, dup := seen[uid]; dup {
				bad = append(bad, ctlproto.LineError{Line: line, Err: fmt.Sprintf("uid %s is already on line %d", uid, first)})
				continue
			}
			seen[uid] = line
		}
		rows = append(rows, row)
	}
	return rows, bad, nil
}

// checkFields refuses fields that would garble a terminal or log when
// printed: invalid UTF-8 and control characters.
func checkFields(rec []string) error {
	for i, f := range rec {
		if err := config.CheckText(f); err != nil {
			return fmt.Errorf("field %d %s: %w", i+1, quoteText(f), err)
		}
	}
	return nil
}

// quoteText quotes s (Go syntax, escapes visible) when it holds invalid
// UTF-8 or control characters, so a CSV header cannot drive the terminal.
func quoteText(s string) string {
	if config.CheckText(s) == nil {
		return s
	}
	return strconv.QuoteToGraphic(s)
}

// Format is how Write writes the file.
type Format struct {
	// Comma separates the fields (',' when 0). A spreadsheet set to
	// German opens a file with ';' in columns, one with ',' in one.
	Comma rune
	// Spreadsheet is for a file a person opens in a spreadsheet: it
	// starts with a UTF-8 byte order mark (without it a spreadsheet reads
	// "Müller" in another encoding) and a name a spreadsheet would run as
	// a formula (=, +, -, @ first) gets a ' before it. Read takes both
	// away again.
	Spreadsheet bool
}

// Write writes the badges (not admin badges) as CSV with the header
// uid,email,name,source, which Read reads back.
func Write(w io.Writer, bs []ctlproto.BadgeInfo, f Format) {
	if f.Spreadsheet {
		io.WriteString(w, "\ufeff")
	}
	cw := csv.NewWriter(w)
	if f.Comma != 0 {
		cw.Comma = f.Comma
	}
	cw.Write([]string{"uid", "email", "name", "source"})
	for _, b := range bs {
		if b.Admin {
			continue
		}
		name := b.Name
		if f.Spreadsheet && startsFormula(name) {
			name = "'" + name
		}
		cw.Write([]string{b.UID, b.Email, name, b.Source})
	}
	cw.Flush()
}

// startsFormula reports whether a spreadsheet would take s for a formula.
func startsFormula(s string) bool {
	return s != "" && strings.ContainsRune("=+-@", rune(s[0]))
}

// headerPeek is how much of the file is looked at for the header line.
const headerPeek = 4096

// headerHasComma reports whether the first line of b separates its fields
// by commas: true unless it holds a semicolon and no comma.
func headerHasComma(b []byte) bool {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	return bytes.IndexByte(b, ',') >= 0 || bytes.IndexByte(b, ';') < 0
}
