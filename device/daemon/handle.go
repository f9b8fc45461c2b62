package daemon

import (
	"context"
	"encoding/json"
)

// Handle runs a control command as the control socket does: the web page
// calls it, so a page action and the stampctl command share one
// implementation.
func (d *Daemon) Handle(ctx context.Context, cmd string, args json.RawMessage) (any, error) {
	return d.handleMore(ctx, cmd, args)
}
