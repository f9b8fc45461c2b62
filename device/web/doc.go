// Package web is the terminal's own web page, served by stampd when
// [web] listen is set: status updating live, the last taps as they happen,
// badges and enrolment, the queue, and day totals, in German and English.
//
// Every action on the page calls the same command handler as the control
// socket (the one stampctl talks to) with the same arguments; the page holds
// no logic of its own beyond login and presentation.
//
// Security: HTTPS with a configured or a self-signed certificate (plain
// http only with allow_http, behind a TLS-terminating proxy); logins from
// a users file of bcrypt hashes written by `stampctl web passwd`; sessions
// in Secure, HttpOnly, SameSite=Strict cookies with an absolute and an idle
// expiry; a CSRF token on every POST; failed logins rate-limited per client
// address; two roles, viewer (status and taps) and admin (everything).
//
// The page needs no JavaScript: forms post and redirect back. With script,
// the status refreshes itself and taps arrive over server-sent events.
package web
