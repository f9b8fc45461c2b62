package daemon

import (
	"context"
	"encoding/json"
	"fmt"

	"stampclock/device/control"
	"stampclock/device/ctlproto"
)

// command runs one control command with its raw JSON arguments; cmd is its
// name, for error messages.
type command func(ctx context.Context, cmd string, raw json.RawMessage) (any, error)

// commands is the control protocol as the daemon serves it: every command
// of ctlproto.Commands and its handler. The control socket and the web page
// both run commands through Handle, so both go through this one table.
func (d *Daemon) commands() map[string]command {
	return map[string]command{
		ctlproto.CmdStatus: func(context.Context, string, json.RawMessage) (any, error) { return d.status() },
		ctlproto.CmdTap:    withArgs(d.tap),
		ctlproto.CmdReload: func(context.Context, string, json.RawMessage) (any, error) { return d.ReloadFile() },

		ctlproto.CmdQueueList:       withArgs(noContext(d.listQueue)),
		ctlproto.CmdQueueRetry:      withArgs(noContext(d.retryDead)),
		ctlproto.CmdQueueExport:     withArgs(noContext(d.export)),
		ctlproto.CmdQueueQuarantine: func(context.Context, string, json.RawMessage) (any, error) { return d.store.Quarantined() },
		ctlproto.CmdQueueRelease:    withArgs(noContext(d.release)),
		ctlproto.CmdQueueCorrect:    withArgs(noContext(d.correctBoot)),
		ctlproto.CmdQueueDiscard:    withArgs(noContext(d.discardHeld)),

		ctlproto.CmdDayTotal: withArgs(d.dayTotal),

		ctlproto.CmdBadgesList:    func(context.Context, string, json.RawMessage) (any, error) { return d.listBadges() },
		ctlproto.CmdBadgesPending: func(context.Context, string, json.RawMessage) (any, error) { return d.pendingBadges() },
		ctlproto.CmdBadgesAdd:     withArgs(d.addBadge),
		ctlproto.CmdBadgesAssign:  withArgs(d.addBadge),
		ctlproto.CmdBadgesRemove:  withArgs(noContext(d.removeBadge)),
		ctlproto.CmdBadgesImport: withArgs(func(ctx context.Context, a ImportArgs) (ImportResult, error) {
			if len(a.Rows) > ctlproto.ImportPage {
				return ImportResult{}, fmt.Errorf("badges.import: %d rows; send at most %d per request", len(a.Rows), ctlproto.ImportPage)
			}
			return d.importBadges(ctx, a.Rows, a.DryRun)
		}),
		ctlproto.CmdEnroll: withArgs(d.enroll),
	}
}

// Handle runs a control command: the control socket's handler, and what the
// web page calls, so a page action and the stampctl command share one
// implementation.
func (d *Daemon) Handle(ctx context.Context, cmd string, raw json.RawMessage) (any, error) {
	run, ok := d.cmds[cmd]
	if !ok {
		return nil, fmt.Errorf("%w %q", control.ErrUnknownCommand, cmd)
	}
	return run(ctx, cmd, raw)
}

// withArgs makes a command of f: the raw arguments are decoded into A
// (none leaves A's zero value), then f answers.
func withArgs[A, R any](f func(context.Context, A) (R, error)) command {
	return func(ctx context.Context, cmd string, raw json.RawMessage) (any, error) {
		var a A
		if err := decodeArgs(cmd, raw, &a); err != nil {
			return nil, err
		}
		return f(ctx, a)
	}
}

// noContext adapts a handler that needs no context to withArgs.
func noContext[A, R any](f func(A) (R, error)) func(context.Context, A) (R, error) {
	return func(_ context.Context, a A) (R, error) { return f(a) }
}

func decodeArgs(cmd string, raw json.RawMessage, v any) error {
	if len(raw) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%s: bad arguments: %v", cmd, err)
	}
	return nil
}
