package queue

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"stampclock/internal/powerloss"
)

const handoffChildEnv = "QUEUE_POWERLOSS_HANDOFF_CHILD"

// childHandoff is the child's part: a runner's claim finds nothing, so the
// entry committed next is claimed by its own commit; then the process
// exits without closing, as if killed (Close would put it back to pending).
func childHandoff(path string) int {
	s, err := Open(path, Options{Uplinks: []UplinkSpec{{Name: "u"}}})
	if err == nil {
		_, err = s.Claim("u", 10, t0)
	}
	if err == nil {
		_, err = s.Update(func(tx *Tx) error {
			_, err := tx.Append(Record{Kind: KindEntry, At: t0, Email: "a@x", Start: t0, End: t0})
			return err
		})
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// An entry claimed by the commit that appends it is in flight on the disk
// as soon as that commit returns: after a power cut the next claim
// reconciles it (looks for it at the receiver) before sending it.
func TestHandoff_PowerCut_ClaimKeptAndReconciled(t *testing.T) {
	f, mnt, disk := mountPowerloss(t)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), handoffChildEnv+"="+filepath.Join(mnt, "queue.db"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if _, err := f.Cut(powerloss.CutOptions{Tear: true}); err != nil {
		t.Fatal(err)
	}
	s, err := Open(filepath.Join(disk, "queue.db"), Options{Uplinks: []UplinkSpec{{Name: "u"}}})
	if err != nil {
		t.Fatalf("store after the power cut: %v", err)
	}
	defer checkClosed(t, s)
	if st, ok := uplinkState(t, s, "u", 1); !ok || st.State != stateInflight {
		t.Fatalf("entry after the power cut: %+v (queued %v), want in flight", st, ok)
	}
	claims, err := s.Claim("u", 10, t0)
	if err != nil || len(claims) != 1 || claims[0].Record.Seq != 1 || !claims[0].Reconcile {
		t.Fatalf("claims after the power cut %+v, err %v; want seq 1 to reconcile", claims, err)
	}
}
