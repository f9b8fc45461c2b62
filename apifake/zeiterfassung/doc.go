// Package zeiterfassung is a strict fake of the Online Zeiterfassung REST API
// v2.1, written from the API document alone (not from any client of ours), so
// that running a client against it checks the client's reading of the
// document against a second, independent reading.
//
// It serves, on a loopback httptest server:
//
//	GET    /api/hello/sayhello                 no login; answers "Hallo"
//	GET    /api/hello/securedSayhello          token required
//	POST   /api/login                          {"loginemail","apipassword"} -> token
//	GET    /api/time-v2.1/timetypes            [{"id","name"}]
//	GET    /api/time-v2.1/users                [{"loginemail"}]
//	GET    /api/time-v2.1/projects             [{"id","name"}]
//	GET    /api/time-v2.1/projects/{useremail} [{"id","name"}]
//	GET    /api/time-v2.1/timeentries?useremail=&start=&end=
//	POST   /api/time-v2.1/createtimeentry      -> list of ids
//	DELETE /api/time-v2.1/deletetimeentry/{id}
//
// Every other path is 404, every other method 405 (with Allow). Refusals
// carry a text/plain body naming the field and the rule, are logged to the
// test and are listed by Refusals.
//
// # Readings of the document
//
// Where the document leaves room, the fake takes the strictest reasonable
// reading; each one is listed here with the words it rests on.
//
//   - "Das zurückgegebene Token muss bei jedem Request zur Authentifikation
//     als Header mitgeschickt werden." The header is not named. The fake
//     demands Options.AuthHeader (default Authorization) with
//     Options.AuthScheme (default "Bearer", one space, then the token) on
//     every resource except sayhello and login; otherwise 401. The status
//     for a missing or bad token is not documented: 401.
//   - Login "Rückgabewert: JSON Web Token": raw text or a JSON string? The
//     fake answers an HS256 JWT as bare text (text/plain) by default, as a
//     JSON string with Options.LoginAnswer = TokenJSON. Test a client
//     against both.
//   - Login "Parameter: {loginemail, apipassword}" with a JSON example: the
//     fake demands Content-Type application/json and a JSON object with
//     exactly these two string members. Wrong credentials: 401 (undocumented).
//   - Token lifetime is not documented: tokens live forever unless
//     Options.TokenTTL is set (measured on Options.Now); ExpireTokens
//     invalidates all of them at once.
//   - createtimeentry "Parameter: {starttime, endtime, useremail, timetypeid,
//     projectid, comment}": the fake demands a JSON object (Content-Type
//     application/json) with only these members, all JSON strings; any
//     other member, a query string, null for any member, or "" for projectid
//     is refused with 400. "Die Angabe einer projectid ist optional" is read
//     as "may be left out", not "may be null or empty".
//   - "starttime und endtime müssen im folgenden Format angegeben werden:
//     YYYY-MM-DDTHH:MM:00": exactly that, seconds 00, no offset, no
//     fraction, and a date and time that exist; anything else 400.
//   - The document does not say endtime must follow starttime; the fake
//     refuses an entry whose endtime is not after its starttime (400),
//     including zero-length entries.
//   - useremail must be one of Options.Users, timetypeid one of
//     Options.TimeTypes, projectid one of Options.Projects and, when
//     Options.UserProjects is set, one of that user's projects; else 400.
//     The document names no error status for any of this: 400 throughout.
//   - createtimeentry "Rückgabewert: [{id}, ...]" with the example
//     [{"2b301fbc-..."}], which is not JSON. Default answer
//     [{"id":"<id>"}] (the [{id, name}] notation of the other resources
//     means objects); Options.CreateAnswer = IDStrings answers ["<id>"],
//     IDLiteral the document's literal, invalid form [{"<id>"}] (a client
//     should still take the 2xx as success).
//     The status is not documented: 200, or Options.CreateStatus.
//   - The server's behaviour on a duplicate or overlapping entry is not
//     documented: the fake stores every valid entry, so a client that
//     resends after a lost answer leaves a duplicate visible in Entries.
//   - users "Rückgabewert: [{loginemail}, ...]" with the non-JSON example
//     [{"admin@somedomain.com"}]: the fake answers [{"loginemail":"..."}],
//     or the literal form with Options.UsersLiteral.
//   - timeentries: the document calls useremail, start and end both
//     "Abfrage-Parameter" and "Pfadparameter"; its URL template puts them in
//     the query string, which is the only place the fake reads them.
//   - projects/{useremail} example "@GET /projects/maier@somedomain.com"
//     omits the /api/time-v2.1 prefix; the fake serves only the full path.
//   - timeentries "deren Startzeit zwischen start und end liegen": the fake
//     includes both ends (the example ends a day with 23:59:00). All three
//     parameters are required, each once, in the time format above; end
//     before start, an unknown user or an unknown parameter is 400. The
//     order is not documented: the fake sorts by starttime.
//   - timeentries answer "[{id, starttime, ...}]": the fake sends id,
//     starttime, endtime, useremail, timetypeid, projectid only when the
//     entry has one, comment only when one was sent.
//   - Resources documented without parameters refuse a query string (400);
//     projects/{useremail} for an unknown user is 404.
//   - deletetimeentry "Rückgabewert:" is empty: 200 with an empty body;
//     an unknown id is 404 (undocumented).
//   - sayhello "gibt ein Hallo zurück": text/plain "Hallo"; securedSayhello
//     (return value undocumented) answers "Hallo <loginemail>".
//   - Ids are not specified beyond the examples (UUIDs): the fake hands out
//     UUID-shaped ids.
//
// Times carry no offset; the fake compares them as wall-clock times and
// never converts them.
package zeiterfassung
