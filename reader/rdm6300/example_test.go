package rdm6300_test

import (
	"fmt"

	"stampclock/reader"
	"stampclock/reader/rdm6300"
)

// A Parser turns the module's bytes into UIDs, resynchronising after noise.
func ExampleParser() {
	var p rdm6300.Parser
	for _, b := range []byte("\r\n\x020107" + "84F22151\x03") {
		uid, err := p.Feed(b)
		if uid != nil || err != nil {
			fmt.Println(reader.FormatUID(uid), err)
		}
	}
	fmt.Printf("%+v\n", p.Stats())
	// Output:
	// 010784F221 <nil>
	// {Frames:1 BadChecksum:0 BadFrame:0 Garbage:2}
}
