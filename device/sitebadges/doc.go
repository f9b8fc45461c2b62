// Package sitebadges shares the enrolled badges of a site: the terminals
// configured with the same site name and MQTT broker.
//
// Every enrolment, change or removal of a badge in a terminal's store
// becomes a versioned Entry (a hybrid logical clock reading plus the
// terminal's device id); removals are tombstones. Each badge has one
// retained message on <prefix>/sites/<site>/badges/<uid>, holding its
// newest entry: the retained messages are the snapshot a newcomer (or a
// terminal back from a day offline) reads on subscribing, and the same
// topics carry the changes while it is connected. Merge decides between
// two entries of a badge: the larger version wins (last writer wins), so
// every terminal that has seen the same entries holds the same badges,
// whatever the order and however often they arrived.
//
// A received entry is committed (fsync) to the store before its PUBACK is
// sent. Local changes are found by comparing the store's badges with the
// site records (so enrolment, stampctl, the web page and imports need no
// hook), stamped, stored as pending and published at QoS 1, retained,
// until the broker confirms them.
//
// Badges of the terminal's config file stay local: they are never
// published and win on their terminal over a site entry for the same UID
// (counted as shadowed). Two writes of a badge where neither writer had
// seen the other are a conflict: the loser is logged and counted.
//
// Tombstones are collected once older than a horizon (default 90 days),
// and a terminal away from the site for longer takes the site's badges
// afresh, so no removal is undone (tombstones.go).
//
// The package does not share punches or shifts, and does not re-publish the snapshot when a broker lost its
// retained messages (run the broker with persistence).
package sitebadges
