package web

import (
	"strings"
	"testing"

	"stampclock/device/agent"
	"stampclock/device/daemon"
	"stampclock/device/feedback"
	"stampclock/device/readers"
	"stampclock/queue"
)

// With an EM reader the page shows badges also by the numbers printed on
// their cards, and finds them by those numbers.
func TestBadges_EMReader_PrintedNumbersShownAndSearchable(t *testing.T) {
	f := newFixture(t)
	f.s.opts.Printed = readers.Printed("rdm6300")
	f.d.answers["badges.list"] = []daemon.BadgeInfo{{UID: "010784F221", Email: "maier@example.com", Source: "config"}, {UID: "01092ADE55", Email: "huber@example.com", Source: "config"}}
	f.d.answers["badges.pending"] = []queue.UnknownBadge{{UID: "041815E864", Count: 1, Last: f.clock.Now()}}
	f.feed.Add(agent.Outcome{Kind: feedback.UnknownBadge, UID: "19004F03D7"})
	c := f.client(t)
	c.login("admin", adminPW)

	page := c.get("/badges").body
	for _, want := range []string{
		`<td class="uid head">010784F221 <small class="printed">0126153249  132,61985</small></td>`,
		`<td class="uid head">041815E864 <small class="printed">0404088932  21,59492</small></td>`, // pending
	} {
		if !strings.Contains(page, want) {
			t.Errorf("badges page lacks %s:\n%s", want, page)
		}
	}
	found := c.get("/badges?q=0126153249").body
	if !strings.Contains(found, `data-uid="010784F221"`) || strings.Contains(found, `data-uid="01092ADE55"`) {
		t.Errorf("search by the printed decimal:\n%s", found)
	}
	if taps := c.get("/taps").body; !strings.Contains(taps, `19004F03D7 <small class="printed">0005178327  79,983</small>`) {
		t.Errorf("taps page lacks the unknown badge's printed number:\n%s", taps)
	}

	// A MIFARE reader's cards print the UID: nothing added.
	f.s.opts.Printed = readers.Printed("mfrc522")
	if page := c.get("/badges").body; strings.Contains(page, `class="printed"`) {
		t.Errorf("mfrc522: printed numbers shown:\n%s", page)
	}
}
