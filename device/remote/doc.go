// Package remote runs control commands sent over MQTT to one terminal.
//
// A request published (QoS 1) on <prefix>/<device>/cmd names a command of
// the control protocol (ctlproto) and carries an id; the terminal runs it
// through the same handler as its control socket and publishes one answer
// with that id on <prefix>/<device>/cmd/answer, or on the response topic
// the request names below that topic. Which commands run is limited by a
// role (viewer or admin, as on the web page); commands that act as the
// person at the door (tap, enroll) and the bulk export never run over
// MQTT. A request id seen again (a QoS 1 redelivery) is neither run nor
// answered a second time.
//
// The package does not authenticate senders: MQTT 3.1.1 does not tell a
// subscriber who published. The broker's ACL decides who may publish on a
// terminal's command topic; the sender's "from" is logged as it declares
// itself.
package remote
