package main

import (
	"bufio"
	"encoding/json"
	"io"

	"stampclock/device/ctlproto"
	"stampclock/queue"
)

// salvageFile exports what queue.SalvageFile finds in the store file at
// path to w as ctlproto.SalvageLine JSON lines, for `stampctl salvage`,
// which formats them: stampctl links no store. It returns 0, or 1 when
// the salvage ended early (the last line says why).
func salvageFile(path string, w io.Writer) int {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	rep, err := queue.SalvageFile(path, func(r queue.Record) error {
		return enc.Encode(ctlproto.SalvageLine{Record: &r})
	})
	end := ctlproto.SalvageLine{Report: &rep}
	if err != nil {
		end.Error = err.Error()
	}
	if werr := enc.Encode(end); werr != nil && err == nil {
		err = werr
	}
	if ferr := bw.Flush(); ferr != nil && err == nil {
		err = ferr
	}
	if err != nil {
		return 1
	}
	return 0
}
