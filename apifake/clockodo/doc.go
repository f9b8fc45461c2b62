// Package clockodo is a strict fake of the clockodo REST API's entrygroups
// resource (grouped totals of time entries, and editing or deleting a group
// of entries with a confirmation key), written from the API document alone
// (not from any client of ours), so that running a client against it checks
// the client's reading of the document against a second, independent
// reading.
//
// It serves, on a loopback httptest server:
//
//	GET    /api/entrygroups?time_since=&time_until=&grouping[]=...  -> {"groups": [...]}
//	PUT    /api/entrygroups   first {"confirm_key","affected_entries"}, then with
//	                          confirm_key {"success":true,"edited_entries":n}
//	DELETE /api/entrygroups   likewise, {"success":true,"deleted_entries":n}
//
// Entries are seeded with AddEntry and read with Entries. Refusals answer
// {"error":{"message":"..."}} naming the parameter, are logged to the test
// and listed by Refusals.
//
// # Readings of the document
//
//   - Authentication is not part of the entrygroups document. The fake
//     demands the headers in Options.RequireHeaders (401 otherwise), none by
//     default; a test sets the headers its client is configured to send.
//   - time_since and time_until "(YYYY-MM-DD HH:MM:SS)": exactly that, read
//     in Options.Location (default UTC); both required; time_until before
//     time_since is 400.
//   - Which entries a span selects is not documented: entries whose start
//     lies in [time_since, time_until], both ends included; an entry's whole
//     duration counts, it is not clipped to the span.
//   - grouping "array ... Beispiel in HTTP-POST-Notation:
//     grouping[]=customers_id&grouping[]=users_id": at least one
//     grouping[] value, each from the documented list, none twice; the
//     first is the top level. "grouping=" without brackets or indexed forms
//     are unknown parameters (400).
//   - GET takes its parameters in the query string; a GET body is refused.
//     PUT and DELETE ("HTTP-POST-Notation") take them from the query string
//     and/or an application/x-www-form-urlencoded body; a name in both is
//     refused.
//   - Every parameter not listed for the method is 400, as is a parameter
//     given twice (except grouping[]), filter[billable] or billable outside
//     0-2, a non-integer id, filter[text] together with filter[texts_id]
//     ("filter[text] / filter[texts_id]" read as one or the other), the same
//     for text / texts_id, round_to_minutes outside 0-1440, and a boolean
//     other than true, false, 1, 0.
//   - The answer example "groups": { [object...], ... } is not JSON:
//     "groups" is an array of group objects.
//   - Group identifiers and names are not documented beyond their types.
//     The fake uses: the id as text for *_id criteria with name, number
//     (and note, except for users) from the registries; texts_id -> the
//     entry's text as name; billable "0", "1", "2"; is_lumpSum "0", "1";
//     year "2024", month "2024-07", week "2024-W27" (ISO week), day
//     "2024-07-04"; name = group for the time criteria. With
//     prepend_customer_to_project_name (default true) a project group is
//     named "<customer>: <project>". Groups are sorted by identifier.
//   - restrictions "Einschränkungen die auf die aktuelle Gruppe zutreffen,
//     außer dem jeweils aktuellen groupedBy und Zeiteinschränkungen": the
//     fake lists the enclosing groups as [{"<groupedBy>": "<group>"}, ...].
//   - duration is in seconds (undocumented unit). round_to_minutes rounds
//     each entry's duration up to the next multiple and adds
//     duration_without_rounding and revenue_without_rounding. revenue sums
//     hourly rate x hours of billable entries; hourly_rate is revenue per
//     billable hour; budget flags are not modelled.
//   - PUT/DELETE: a request without confirm_key changes nothing and answers
//     a new key with the number of affected entries. A key is accepted once,
//     only with exactly the same other parameters; otherwise 400. A PUT
//     without any new value, or with an id not in the registries, is 400.
package clockodo
