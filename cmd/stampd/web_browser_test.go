package main

// The web page in a real browser: headless Chromium driven by chromedp
// against the built stampd with the simulated reader and the Zeiterfassung
// test server.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"stampclock/uplink/zeiterfassung/zeittest"
)

// needChromium finds the browser: skipped without it, a failure when CI is
// set.
func needChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium not found but CI is set: install the Debian package chromium")
	}
	t.Skip("chromium not found: install the Debian package chromium to run the browser test")
	return ""
}

// screenshotDir is where the browser test leaves its screenshots (not
// committed; make clean removes build/).
const screenshotDir = "../../build/screenshots"

type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
}

func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// waitJS waits until the JavaScript expression is true. A poll cut short
// by a page being replaced (a form answered) is started again on the new
// page.
func (b *browser) waitJS(what, expr string) {
	b.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := chromedp.Run(b.ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(5*time.Second)))
		if err == nil {
			return
		}
		if time.Now().After(deadline) || b.ctx.Err() != nil {
			b.t.Fatalf("%s: %v", what, err)
		}
	}
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// shoot saves the page at 360 and 1280 pixels wide.
func (b *browser) shoot(name string) {
	b.t.Helper()
	for _, w := range []int64{360, 1280} {
		b.do("viewport", chromedp.EmulateViewport(w, 800))
		png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			b.t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(screenshotDir, fmt.Sprintf("%s-%d.png", name, w)), png, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
	b.do("viewport", chromedp.EmulateViewport(1280, 800))
}

func TestWebPage_InChromium_LoginEnrolTapLiveDeliverRetryImportGermanCheck(t *testing.T) {
	chrome := needChromium(t)
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, 2)
	e.zs.FailCreates(1, zeittest.Fault{Status: 422, Message: "Eintrag ungültig"})
	e.appendConfig("[web]\nlisten = \"127.0.0.1:0\"\n")
	out, err := exec.Command(filepath.Join(binDir, "stampctl"), "web", "passwd", "--config", e.config, "--generate", "admin").CombinedOutput()
	pw := regexp.MustCompile(`password: (\S+)`).FindStringSubmatch(string(out))
	if err != nil || pw == nil {
		t.Fatalf("stampctl web passwd: %v\n%s", err, out)
	}
	p := e.start()
	var base string
	deadline := time.Now().Add(10 * time.Second)
	for base == "" {
		if m := regexp.MustCompile(`msg="web page listening".* url=(https://\S+)`).FindStringSubmatch(p.stderr.String()); m != nil {
			base = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("no web page in the log:\n%s", p.stderr.String())
		} else {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if out, err := exec.Command(filepath.Join(binDir, "stampctl"), "web", "--config", e.config).CombinedOutput(); err != nil || !strings.Contains(string(out), "fingerprint  SHA-256 ") {
		t.Fatalf("stampctl web: %v\n%s", err, out)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chrome), chromedp.NoSandbox,
		chromedp.Flag("ignore-certificate-errors", true), chromedp.Flag("lang", "en-US"), chromedp.WindowSize(1280, 800))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	ctx, cancelB := chromedp.NewContext(actx)
	defer cancelB()
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	defer cancelT()
	b := &browser{t: t, ctx: ctx, base: strings.TrimSuffix(base, "/")}

	// Log in.
	b.do("login page", chromedp.Navigate(b.base+"/login"), chromedp.WaitVisible(chromedp.CSS("#login")))
	b.shoot("login")
	b.do("log in",
		chromedp.SendKeys(chromedp.CSS(`input[name="user"]`), "admin"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), pw[1]),
		chromedp.Click(chromedp.CSS("#login")),
		chromedp.WaitVisible(chromedp.CSS("#status #device")))

	// Enrol a badge from the page, with markup in its name, and tap it.
	const uid = "04C0FFEE"
	b.do("enrol", chromedp.Navigate(b.base+"/badges"),
		chromedp.SendKeys(chromedp.CSS(`#enroll input[name="email"]`), "e1@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#enroll input[name="name"]`), "Eva <b>Eins</b>"))
	// A script click: the answer comes only after the tap, and Click would
	// wait for it. The page says it waits as the form is sent (the submit
	// handler runs within click()).
	waiting, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function(){document.querySelector("#enroll button").click(); return !document.querySelector("#enroll .wait").hidden})()`))
	if err != nil || !waiting {
		t.Fatalf("enrol: waiting shown %v, %v", waiting, err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		if out, _ := e.ctl("badges", "list"); strings.Contains(out, uid) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the enrolment did not take the tap")
		}
		e.ctl("tap", uid) // unknown until the enrolment waits
		time.Sleep(50 * time.Millisecond)
	}
	b.waitJS("enrolment shown", `!!document.querySelector(".flash.ok") && document.querySelector(".flash.ok").textContent.includes("`+uid+` enrolled for e1@example.com")`)
	if name := b.text(`#badges tr[data-uid="` + uid + `"] td.name`); name != "Eva <b>Eins</b>" {
		t.Errorf("name shown as %q; want the text with its markup escaped", name)
	}
	b.waitJS("no element from the name", `!document.querySelector("#badges td.name b")`)
	b.shoot("badges")

	// Taps appear live on the taps page (the fresh class comes only from
	// the event stream).
	b.do("taps page", chromedp.Navigate(b.base+"/taps"), chromedp.WaitVisible(chromedp.CSS("#taps")))
	if out, err := e.ctl("tap", uid, "--at", "2026-06-01T07:00:00Z"); err != nil || !strings.Contains(out, "start_ok") {
		t.Fatalf("tap: %v %s", err, out)
	}
	b.waitJS("start tap live", `!!document.querySelector('#taps tr.fresh.start_ok[data-uid="`+uid+`"]')`)
	if out, err := e.ctl("tap", uid, "--at", "2026-06-01T15:30:00Z"); err != nil || !strings.Contains(out, "stop_ok") {
		t.Fatalf("tap: %v %s", err, out)
	}
	b.waitJS("stop tap live", `!!document.querySelector('#taps tr.fresh.stop_ok[data-uid="`+uid+`"]')`)
	b.shoot("taps")

	// The entry was refused (422): a dead letter with the server's message;
	// retry it from the queue page and see it delivered on the status page.
	b.do("queue page", chromedp.Navigate(b.base+"/queue"))
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(b.text("main"), "Eintrag ungültig"); {
		if time.Now().After(deadline) {
			t.Fatalf("no dead letter on the queue page:\n%s", b.text("main"))
		}
		time.Sleep(100 * time.Millisecond)
		b.do("reload", chromedp.Navigate(b.base+"/queue"))
	}
	b.shoot("queue")
	b.do("retry", chromedp.Click(chromedp.CSS(`form[action="/queue/retry"] input[name="seq"] ~ button`)))
	b.waitJS("retried", `!!document.querySelector(".flash.ok") && document.querySelector(".flash.ok").textContent.includes("1 dead letters queued again")`)
	b.do("status page", chromedp.Navigate(b.base+"/"))
	b.waitJS("delivered, live", `(function(){var r=document.querySelector("#uplink-zeiterfassung");return !!r && r.querySelector(".delivered").textContent==="1" && r.querySelector(".dead").textContent==="0" && r.querySelector(".pending").textContent==="0"})()`)
	if n := len(e.zs.Entries()); n != 1 {
		t.Errorf("the server has %d entries; want 1", n)
	}
	b.shoot("status")

	// Switch to German; a CSV with a bad line gets a line-numbered error.
	b.do("German", chromedp.Click(chromedp.CSS("#lang")))
	b.waitJS("German page", `document.documentElement.lang==="de" && document.querySelector("nav").textContent.includes("Buchungen")`)
	b.shoot("status-de")
	csv := filepath.Join(t.TempDir(), "staff.csv")
	os.WriteFile(csv, []byte("uid,email,name\n04000001,e0@example.com,A\n04000002,kein-email,B\n"), 0o644)
	b.do("import", chromedp.Navigate(b.base+"/badges"),
		chromedp.SetUploadFiles(chromedp.CSS(`#import input[type="file"]`), []string{csv}),
		chromedp.Click(chromedp.CSS("#import button")))
	b.waitJS("import error", `!!document.querySelector(".flash.err") && document.querySelector(".flash.err").textContent.includes("Zeile 3: email:") && document.querySelector(".flash.err").textContent.includes("nichts importiert")`)
	b.shoot("badges-de")
	if strings.Contains(b.text("#badges"), "04000001") {
		t.Error("a line was imported although the file had a bad line")
	}

	// The checklist of stampctl check, run from the page.
	b.do("check", chromedp.Navigate(b.base+"/check"), chromedp.Click(chromedp.CSS("#check button")))
	b.waitJS("checklist", `document.querySelectorAll(".checks li.good").length > 3`)
	if got := b.text(".checks"); !strings.Contains(got, "login") || !strings.Contains(got, "reader answering") {
		t.Errorf("checklist:\n%s", got)
	}
	b.shoot("check-de")
}
