package daemon

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ReadBadgeCSV parses a badge CSV whose header names the columns uid and
// email (name optional) into import rows with their line numbers; lines it
// cannot read become line errors. The web page uses it; it reads the file
// format of `stampctl badges import`.
func ReadBadgeCSV(r io.Reader) ([]ImportRow, []LineError, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("no header line: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	iu, okU := col["uid"]
	ie, okE := col["email"]
	in, okN := col["name"]
	if !okU || !okE {
		return nil, nil, fmt.Errorf("header %q: want columns uid and email (name optional)", strings.Join(header, ","))
	}
	var rows []ImportRow
	var bad []LineError
	for {
		rec, err := cr.Read()
		line, _ := cr.FieldPos(0)
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				bad = append(bad, LineError{Line: pe.Line, Err: pe.Err.Error()})
				continue
			}
			return nil, nil, err
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) <= iu || len(rec) <= ie {
			bad = append(bad, LineError{Line: line, Err: fmt.Sprintf("%d fields; want uid and email", len(rec))})
			continue
		}
		row := ImportRow{Line: line, UID: strings.TrimSpace(rec[iu]), Email: strings.TrimSpace(rec[ie])}
		if okN && len(rec) > in {
			row.Name = strings.TrimSpace(rec[in])
		}
		rows = append(rows, row)
	}
	return rows, bad, nil
}

// WriteBadgeCSV writes the badges (not admin badges) as CSV with the header
// uid,email,name,source, which ReadBadgeCSV reads back: the format of
// `stampctl badges export`.
func WriteBadgeCSV(w io.Writer, bs []BadgeInfo) {
	cw := csv.NewWriter(w)
	cw.Write([]string{"uid", "email", "name", "source"})
	for _, b := range bs {
		if b.Admin {
			continue
		}
		cw.Write([]string{b.UID, b.Email, b.Name, b.Source})
	}
	cw.Flush()
}
