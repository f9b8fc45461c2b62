package sigrok_test

import (
	"fmt"
	"log"

	"stampclock/reader/sigrok"
)

// Read the serial output of an RDM630 module recorded with a logic analyzer.
func Example() {
	c, err := sigrok.Open("../../testdata/captures/rdm630/em4100_010784f221_card.sr")
	if err != nil {
		log.Fatal(err)
	}
	rx, err := c.Probe("RX")
	if err != nil {
		log.Fatal(err)
	}
	bytes, err := c.UART(rx, 9600)
	if err != nil {
		log.Fatal(err)
	}
	for _, b := range bytes {
		fmt.Printf("%q", b.Value)
	}
	fmt.Println()
	// Output:
	// '\x02''0''1''0''7''8''4''F''2''2''1''5''1''\x03'
}
