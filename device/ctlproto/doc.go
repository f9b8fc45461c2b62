// Package ctlproto is the control protocol between stampd and its clients
// (stampctl over the control socket, the web page in process): the command
// names, who may run each, and the JSON of every command's arguments and
// answer.
//
// It holds data types and small pure helpers only. It does not open the
// socket (package control does), does not run commands (the daemon's
// command table does) and links no driver: a client imports it without
// pulling in hardware, MQTT or metrics code.
package ctlproto
