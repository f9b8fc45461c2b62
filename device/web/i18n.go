package web

import (
	"net/http"
	"strconv"
	"strings"
)

// lang is the language of a page: "en" or "de".
type lang string

// languages the page speaks; the first is the default.
var languages = []lang{"en", "de"}

// T returns the text of key in l (the key itself if it has none, which a
// test rules out).
func (l lang) T(key string) string {
	if s, ok := messages[key][l]; ok {
		return s
	}
	return key
}

// Other is the language the switch offers.
func (l lang) Other() lang {
	if l == "de" {
		return "en"
	}
	return "de"
}

// Name is the language's own name, for the switch.
func (l lang) Name() string {
	if l == "de" {
		return "Deutsch"
	}
	return "English"
}

// pickLang chooses the page language: the lang cookie set by the switch,
// else the best of Accept-Language, else English.
func pickLang(r *http.Request) lang {
	if c, err := r.Cookie("lang"); err == nil {
		for _, l := range languages {
			if c.Value == string(l) {
				return l
			}
		}
	}
	best, bestQ := languages[0], -1.0
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		primary, _, _ := strings.Cut(strings.ToLower(tag), "-")
		for _, l := range languages {
			if primary == string(l) && q > bestQ {
				best, bestQ = l, q
			}
		}
	}
	return best
}

// messages holds every text of the pages in every language.
var messages = map[string]map[lang]string{
	"title":            {"en": "Time clock", "de": "Stempeluhr"},
	"status":           {"en": "Status", "de": "Status"},
	"taps":             {"en": "Taps", "de": "Buchungen"},
	"badges":           {"en": "Badges", "de": "Ausweise"},
	"queue":            {"en": "Queue", "de": "Warteschlange"},
	"daytotals":        {"en": "Day totals", "de": "Tagessummen"},
	"logout":           {"en": "Log out", "de": "Abmelden"},
	"login":            {"en": "Log in", "de": "Anmelden"},
	"user":             {"en": "User", "de": "Benutzer"},
	"password":         {"en": "Password", "de": "Passwort"},
	"login_failed":     {"en": "Wrong user or password.", "de": "Benutzer oder Passwort falsch."},
	"login_limited":    {"en": "Too many failed logins. Try again in", "de": "Zu viele Fehlversuche. Erneut versuchen in"},
	"login_expired":    {"en": "The login form expired; please try again.", "de": "Das Anmeldeformular ist abgelaufen; bitte erneut versuchen."},
	"forbidden":        {"en": "Your login may not do this (admin needed).", "de": "Ihre Anmeldung darf das nicht (Admin nötig)."},
	"csrf":             {"en": "The form expired; reload the page and try again.", "de": "Das Formular ist abgelaufen; Seite neu laden und erneut versuchen."},
	"device":           {"en": "Device", "de": "Gerät"},
	"version":          {"en": "Version", "de": "Version"},
	"started":          {"en": "Running since", "de": "Läuft seit"},
	"clock":            {"en": "Clock", "de": "Uhr"},
	"synced":           {"en": "synchronised", "de": "synchronisiert"},
	"not_synced":       {"en": "NOT synchronised: times are checked later", "de": "NICHT synchronisiert: Zeiten werden später geprüft"},
	"untrusted":        {"en": "records with an unchecked time", "de": "Buchungen mit ungeprüfter Zeit"},
	"reader":           {"en": "Reader", "de": "Leser"},
	"reader_ok":        {"en": "working", "de": "funktioniert"},
	"reader_fail":      {"en": "FAILING", "de": "GESTÖRT"},
	"store":            {"en": "Store", "de": "Speicher"},
	"records":          {"en": "records", "de": "Datensätze"},
	"alarm":            {"en": "Alarm", "de": "Alarm"},
	"store_moved":      {"en": "a damaged store was moved aside to", "de": "ein beschädigter Speicher wurde verschoben nach"},
	"uplinks":          {"en": "Uplinks", "de": "Übertragung"},
	"uplink":           {"en": "Uplink", "de": "Ziel"},
	"state":            {"en": "State", "de": "Zustand"},
	"pending":          {"en": "Pending", "de": "Wartend"},
	"held":             {"en": "Held", "de": "Zurückgehalten"},
	"dead":             {"en": "Dead letters", "de": "Unzustellbar"},
	"delivered":        {"en": "Delivered", "de": "Zugestellt"},
	"last_delivery":    {"en": "Last delivery", "de": "Letzte Zustellung"},
	"last_error":       {"en": "Last error", "de": "Letzter Fehler"},
	"broker":           {"en": "Broker", "de": "Broker"},
	"connected":        {"en": "connected", "de": "verbunden"},
	"disconnected":     {"en": "NOT connected", "de": "NICHT verbunden"},
	"tap_counts":       {"en": "Taps since start", "de": "Buchungen seit Start"},
	"open_shifts":      {"en": "Currently in", "de": "Zurzeit anwesend"},
	"no_uplinks":       {"en": "No uplink configured.", "de": "Kein Ziel eingerichtet."},
	"live":             {"en": "updates live", "de": "aktualisiert sich selbst"},
	"time":             {"en": "Time", "de": "Zeit"},
	"badge":            {"en": "Badge", "de": "Ausweis"},
	"employee":         {"en": "Employee", "de": "Mitarbeiter"},
	"result":           {"en": "Result", "de": "Ergebnis"},
	"error":            {"en": "Error", "de": "Fehler"},
	"no_taps":          {"en": "No taps since stampd started.", "de": "Keine Buchungen seit dem Start."},
	"start":            {"en": "IN", "de": "Kommen"},
	"stop":             {"en": "OUT", "de": "Gehen"},
	"start_ok":         {"en": "IN", "de": "Kommen"},
	"stop_ok":          {"en": "OUT", "de": "Gehen"},
	"already_stamped":  {"en": "already stamped", "de": "bereits gestempelt"},
	"unknown_badge":    {"en": "unknown badge", "de": "unbekannter Ausweis"},
	"enrolled":         {"en": "enrolled", "de": "angelernt"},
	"search":           {"en": "Search", "de": "Suchen"},
	"name":             {"en": "Name", "de": "Name"},
	"email":            {"en": "Email", "de": "E-Mail"},
	"source":           {"en": "Source", "de": "Quelle"},
	"note":             {"en": "Note", "de": "Hinweis"},
	"remove":           {"en": "Remove", "de": "Entfernen"},
	"add":              {"en": "Add", "de": "Hinzufügen"},
	"add_badge":        {"en": "Add a badge by its UID", "de": "Ausweis mit UID hinzufügen"},
	"enrol":            {"en": "Enrol the next tap", "de": "Nächsten Ausweis anlernen"},
	"enrol_help":       {"en": "After you press the button, tap the new badge at the terminal within 60 seconds.", "de": "Nach dem Klick den neuen Ausweis innerhalb von 60 Sekunden an das Terminal halten."},
	"enrol_go":         {"en": "Enrol", "de": "Anlernen"},
	"enrol_wait":       {"en": "Waiting for the tap at the terminal …", "de": "Warte auf den Ausweis am Terminal …"},
	"import":           {"en": "Import CSV", "de": "CSV importieren"},
	"import_help":      {"en": "Header uid,email[,name]; every bad line is reported and nothing is imported then.", "de": "Kopfzeile uid,email[,name]; jede fehlerhafte Zeile wird gemeldet, dann wird nichts importiert."},
	"export":           {"en": "Export CSV", "de": "CSV exportieren"},
	"no_badges":        {"en": "No badges.", "de": "Keine Ausweise."},
	"admin_badge":      {"en": "admin badge", "de": "Admin-Ausweis"},
	"unverified":       {"en": "email not checked yet", "de": "E-Mail noch nicht geprüft"},
	"config":           {"en": "config file", "de": "Konfigurationsdatei"},
	"line":             {"en": "line", "de": "Zeile"},
	"imported":         {"en": "badges imported", "de": "Ausweise importiert"},
	"nothing_imported": {"en": "bad lines: nothing imported", "de": "fehlerhafte Zeilen: nichts importiert"},
	"added":            {"en": "added for", "de": "hinzugefügt für"},
	"removed":          {"en": "removed", "de": "entfernt"},
	"enrolled_for":     {"en": "enrolled for", "de": "angelernt für"},
	"seq":              {"en": "No.", "de": "Nr."},
	"kind":             {"en": "Kind", "de": "Art"},
	"attempts":         {"en": "Attempts", "de": "Versuche"},
	"reason":           {"en": "Reason / server message", "de": "Grund / Meldung des Servers"},
	"retry":            {"en": "Retry", "de": "Erneut senden"},
	"retry_all":        {"en": "Retry all dead letters", "de": "Alle unzustellbaren erneut senden"},
	"release":          {"en": "Release", "de": "Freigeben"},
	"release_all":      {"en": "Release all held", "de": "Alle zurückgehaltenen freigeben"},
	"retried":          {"en": "dead letters queued again", "de": "unzustellbare Einträge erneut eingereiht"},
	"released":         {"en": "held records queued again", "de": "zurückgehaltene Einträge freigegeben"},
	"empty":            {"en": "None.", "de": "Keine."},
	"fix":              {"en": "Correct or discard …", "de": "Korrigieren oder verwerfen …"},
	"fix_help":         {"en": "Held because its clock was never synchronised. Correcting one record's time moves every record of the same boot.", "de": "Zurückgehalten, weil die Uhr nie synchronisiert war. Die Korrektur einer Zeit verschiebt alle Einträge desselben Starts."},
	"true_time":        {"en": "True time of this record", "de": "Tatsächliche Zeit dieses Eintrags"},
	"or_offset":        {"en": "or: the clock was behind by (e.g. 2345h17m)", "de": "oder: die Uhr ging nach um (z. B. 2345h17m)"},
	"why":              {"en": "Reason (required, kept)", "de": "Grund (Pflicht, wird gespeichert)"},
	"correct":          {"en": "Correct the times", "de": "Zeiten korrigieren"},
	"discard":          {"en": "Discard", "de": "Verwerfen"},
	"discard_help":     {"en": "Kept as a dead letter with the reason; not sent.", "de": "Bleibt mit dem Grund als unzustellbar erhalten; wird nicht gesendet."},
	"boot":             {"en": "boot", "de": "Start"},
	"corrected":        {"en": "records corrected; they are sent now", "de": "Einträge korrigiert; sie werden jetzt gesendet"},
	"discarded":        {"en": "held records discarded: kept as dead letters with the reason", "de": "zurückgehaltene Einträge verworfen: mit dem Grund als unzustellbar erhalten"},
	"date":             {"en": "Date", "de": "Datum"},
	"show":             {"en": "Show", "de": "Anzeigen"},
	"total":            {"en": "Total", "de": "Summe"},
	"local_total":      {"en": "in the local queue", "de": "in der lokalen Warteschlange"},
	"daytotal_help":    {"en": "Empty date: today.", "de": "Leeres Datum: heute."},
	"check":            {"en": "Check", "de": "Prüfung"},
	"check_help":       {"en": "The checklist of stampctl check: DNS, TCP, TLS, API, login, time type, users, reader, clock, free disk. It logs in to the time-tracking system.", "de": "Die Prüfliste von stampctl check: DNS, TCP, TLS, API, Anmeldung, Zeitart, Benutzer, Leser, Uhr, freier Speicher. Sie meldet sich am Zeiterfassungssystem an."},
	"check_run":        {"en": "Run the checklist", "de": "Prüfliste ausführen"},
	"check_off":        {"en": "Not available here.", "de": "Hier nicht verfügbar."},
	"checks_failed":    {"en": "checks failed", "de": "Prüfungen fehlgeschlagen"},
	"checks_ok":        {"en": "All checks passed.", "de": "Alle Prüfungen bestanden."},
	"pending_badges":   {"en": "Badges waiting to be assigned", "de": "Ausweise, die auf Zuordnung warten"},
	"pending_help":     {"en": "Tapped while an admin badge had switched the terminal to capture mode.", "de": "Angehalten, während ein Admin-Ausweis das Terminal in den Erfassungsmodus geschaltet hatte."},
	"assign":           {"en": "Assign", "de": "Zuordnen"},
	"from":             {"en": "from", "de": "aus"},
}
