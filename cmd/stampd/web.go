package main

import (
	"context"
	"fmt"
	"log/slog"

	"stampclock/device/clock"
	"stampclock/device/config"
	"stampclock/device/ctlproto"
	"stampclock/device/daemon"
	"stampclock/device/provision"
	"stampclock/device/readers"
	"stampclock/device/web"
)

// startWeb opens the web page when [web] listen is set and serves it until
// ctx is done. Its actions run through the daemon's command handler.
func startWeb(ctx context.Context, cfg *config.Config, d *daemon.Daemon, feed *web.Feed, log *slog.Logger) error {
	w := cfg.Web
	if !w.Enabled() {
		return nil
	}
	s, err := web.Listen(web.Options{
		Listen: w.Listen, CertFile: w.CertFile, KeyFile: w.KeyFile, SelfSigned: w.SelfSigned,
		AllowHTTP: w.AllowHTTP, UsersFile: w.UsersFile,
		SessionTTL: w.SessionTTL.Duration, IdleTimeout: w.IdleTimeout.Duration,
		Handle: d.Handle, Feed: feed, Location: cfg.Location, Logger: log, Printed: readers.Printed(cfg.Reader.Type),
		Check: func(ctx context.Context) []provision.Step { return checkList(ctx, cfg, d) },
	})
	if err != nil {
		return err
	}
	log.Info("web page listening", "addr", s.Addr().String(), "url", s.URL(), "fingerprint", s.Fingerprint(), "users", w.UsersFile)
	d.ShowFingerprint(s.Fingerprint())
	go func() {
		if err := s.Serve(ctx); err != nil {
			log.Error("web page stopped", "err", err)
		}
	}()
	return nil
}

// checkList is `stampctl check` for the web page: the same checklist, the
// reader's health asked in process.
func checkList(ctx context.Context, cfg *config.Config, d *daemon.Daemon) []provision.Step {
	return provision.Check(ctx, cfg, provision.Env{
		Synced: clock.SyncState,
		Reader: func(ctx context.Context) (bool, string, bool) {
			v, err := d.Handle(ctx, ctlproto.CmdStatus, nil)
			s, ok := v.(ctlproto.Status)
			if err != nil || !ok {
				return false, fmt.Sprintf("status: %v", err), false
			}
			ok, detail := s.ReaderStep()
			return ok, detail, true
		},
	})
}
