// Package ctlproto is the control protocol between stampd and its clients
// (stampctl over the control socket, the web page in process): the command
// names, the web role each needs, and the JSON of every command's
// arguments and answer.
//
// It holds data types and small pure helpers only. It does not open the
// socket (package control does) and does not run commands (the daemon's
// command table does). It imports the queue's record and statistics types
// and the uplink runner's status, but no hardware driver, MQTT client,
// metrics or daemon code, so a client that imports it links none of them.
package ctlproto
