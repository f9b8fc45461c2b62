// Package blikk is a strict fake of the Blikk public API (time reports and
// the registries they refer to), written from the API document alone (not
// from any client of ours), so that running a client against it checks the
// client's reading of the document against a second, independent reading.
//
// It serves, over HTTPS on a loopback httptest server:
//
//	POST   /v1/Auth/Token                 Basic id:secret -> {"objectName":"auth.token","accessToken","expires"}
//	GET    /v1/Core/TimeReports           paged list with the documented filters and sorts
//	POST   /v1/Core/TimeReports           create
//	GET    /v1/Core/TimeReports/:id       timereport.detail
//	PUT    /v1/Core/TimeReports/:id       replace (same validation as create)
//	DELETE /v1/Core/TimeReports/:id
//	GET    /v1/Core/TimeReports/UserDayStatistics   reported/scheduled hours and locked days
//	GET    /v1/Admin/Users, /v1/Core/Projects, /v1/Admin/Activities, /v1/Admin/TimeCodes,
//	       /v1/Admin/TimeArticles, /v1/Admin/InternalProjects, /v1/Admin/AbsenceProjects
//
// Errors take the documented shapes: 400 {"message":"The request is
// invalid.","modelState":{"<field>":["..."]}}, 401 {"message":"Invalid
// token"}, 403 with permissionsRequired, 404 with an empty body, 429
// {"waitInSeconds":n} with Retry-After. Every refusal is logged to the test
// with the reason and listed by Refusals.
//
// # Readings of the document
//
//   - "All API requests must be made over HTTPS. Calls made over plain HTTP
//     will fail." The fake speaks TLS (Client and CertPool trust it); a
//     plain HTTP call fails the handshake. Options.PlainHTTP turns this off.
//   - "enforced when an access-token has made more than four (4) requests
//     during a given second": read as a sliding window on Options.Now: a
//     request is refused when the token already made 4 counted requests in
//     the preceding second. Refused (429) requests do not count; requests
//     refused for other reasons after authentication do. Retry-After and
//     waitInSeconds are the whole seconds until the window frees a slot
//     (at least 1). POST /v1/Auth/Token carries no access token and is not
//     limited. Limits are per token: a client cannot escape them only by
//     fetching a new token, but the fake does not stop it from doing so.
//   - Token request: only "Authorization: Basic base64(id:secret)" is
//     documented; the fake ignores any body, and answers wrong credentials
//     with 401 {"message":"Invalid credentials"} (undocumented). Tokens
//     expire after Options.TokenTTL (default 1h, undocumented), reported
//     in "expires" as "2006-01-02 15:04:05 +00:00" like the example.
//   - "the Authorization-header scheme is set to Bearer": exactly "Bearer "
//     and the token; "bearer" is refused.
//   - Create: "accepts JSON request bodies": Content-Type application/json
//     is required (415 otherwise; the status is undocumented). The body must
//     be a JSON object with only the documented request members; unknown
//     members are refused (400), also read-only ones from the answer
//     objects such as "user" or "userName".
//   - date "datetime": the document writes datetimes as
//     "2021-11-10 00:00:00" (create example, filter datatype table) and as
//     "2021-10-01" (filter examples). Both are accepted; "T" separators,
//     offsets and a time of day other than 00:00:00 are refused (a report's
//     date is a day).
//   - clockStart/clockEnd: "Format is "hh:mm" (24-hour clock)": two digits
//     each, 00:00-23:59. One without the other is refused.
//   - breakMinutes: "The 'Hours' field will be deducted by the amount of
//     break minutes", and the example sends 10:00-18:00, break 15, hours
//     7.75. Read: when clockStart and clockEnd are given, hours must equal
//     clockEnd - clockStart - breakMinutes (within 0.01 h, so hours rounded
//     to two decimals pass and an error of one minute does not). A clockEnd
//     before clockStart crosses midnight; equal times are refused.
//   - hours and invoiceableHours must lie in 0-24, breakMinutes in 0-1440
//     (undocumented ranges).
//   - "ids that point to resources that do not exist" are refused: userId,
//     activityId, timeCodeId, timeArticleId, projectId, internalProjectId,
//     absenceProjectId and taskId must name a configured registry item
//     (Options; taskId needs Options.TaskIDs). Ids must be JSON integers.
//   - projectId, internalProjectId and absenceProjectId are each optional,
//     but the list filter projectType (project, internalProject,
//     absenceProject) and the required "contact" of a report say a report
//     belongs to one kind of project: exactly one of the three must be set.
//   - allowanceReport "Should only be set if a travel report is set":
//     refused without travelReport. Nested objects and lists are only
//     checked to be an object resp. array, and stored as sent.
//   - Create answer: only "200 OK" is documented, no body. The fake answers
//     200 with an empty body, or the timereport.detail object with
//     Options.CreateAnswerDetail; a client must find its report by listing.
//   - The server's behaviour on a duplicate report is not documented: the
//     fake stores every valid report.
//   - Get/Delete of an unknown id: the document gives 400 ("if the time
//     report could not be found"), so 400, not 404. Deleting or replacing an
//     attested report (TimeReport.Attested set) is 400 ("if the time report
//     is attested or invoiced").
//   - Lists: "page" is required (>= 1); pageSize 1-100; sortBy and
//     sortOrder must be one of the values listed for the endpoint; filters
//     must be listed for the endpoint and have the documented datatype.
//     Parameter names are case-sensitive (the document once writes
//     "sortorder", for task comments; the fake refuses it). A parameter
//     given twice is refused. The default order is creation order.
//   - filter.from/filter.to compare the report's day; filter.to given as a
//     bare date includes that day.
//   - UserDayStatistics "The date span can be a maximum of 31 days": the
//     fake requires filter.from and filter.to (a span needs both ends) and
//     refuses more than 31 days, both ends included. reportedHours sums the
//     hours of the user's reports that day; scheduledHours is
//     Options.ScheduledHours Monday to Friday and 0 at weekends
//     (undocumented); lockedDate is the time LockDate locked the day.
//     Users belong to no department, so filter.departmentIds selects none.
//   - What a locked day means for reporting is not documented: the fake
//     refuses creating, replacing or deleting a time report on a day locked
//     for its user (400), as a locked day is closed for reporting.
//   - A wrong method on a documented path is 405 (undocumented).
//   - Permissions (Options.Permissions): list and get need Timereport_Read,
//     create, update and delete Timereport_Write, /v1/Core/Projects
//     Project_Read; the other registries need none documented.
package blikk
