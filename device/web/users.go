package web

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"golang.org/x/crypto/bcrypt"

	"stampclock/device/ctlproto"
)

// Role is what a login may do: the control protocol's roles, which say
// what each command needs.
type Role = ctlproto.Role

// The roles: a viewer sees status and taps; an admin does everything.
const (
	Viewer = ctlproto.Viewer
	Admin  = ctlproto.Admin
)

// ParseRole checks a role name.
func ParseRole(s string) (Role, error) {
	switch Role(s) {
	case Viewer, Admin:
		return Role(s), nil
	}
	return "", fmt.Errorf("role %q: want viewer or admin", s)
}

// User is one line of the users file: "name:role:bcrypt-hash".
type User struct {
	Name string
	Role Role
	Hash []byte
}

// UsersFileMode is the mode the users file is written with: the service's
// group may read it, nobody else.
const UsersFileMode = 0o640

// ReadUsers reads the users file. A file others may read is refused.
func ReadUsers(path string) ([]User, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("web users %s: %w (set a password with `stampctl web passwd USER`)", path, err)
	}
	if fi.Mode().Perm()&0o007 != 0 {
		return nil, fmt.Errorf("web users %s: readable by others (mode %04o); run: chmod 640 %s", path, fi.Mode().Perm(), path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("web users: %w", err)
	}
	var users []User
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, rest, ok1 := strings.Cut(line, ":")
		role, hash, ok2 := strings.Cut(rest, ":")
		r, err := ParseRole(role)
		if !ok1 || !ok2 || err != nil || !validName(name) || hash == "" {
			return nil, fmt.Errorf("web users %s:%d: want name:viewer|admin:bcrypt-hash", path, n)
		}
		users = append(users, User{Name: name, Role: r, Hash: []byte(hash)})
	}
	return users, sc.Err()
}

func validName(s string) bool {
	return s != "" && len(s) <= 64 && !strings.ContainsAny(s, ": \t\r\n")
}

// HashPassword hashes a password with bcrypt at cost (bcrypt.DefaultCost
// when 0).
func HashPassword(password string, cost int) ([]byte, error) {
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	if len(password) < 8 {
		return nil, errors.New("password: want at least 8 characters")
	}
	if len(password) > 72 {
		return nil, errors.New("password: bcrypt takes at most 72 bytes")
	}
	return bcrypt.GenerateFromPassword([]byte(password), cost)
}

// SetPassword adds or replaces user in the users file at path (created
// with UsersFileMode), with its role and a bcrypt hash of password at cost
// (0: the default). The file is replaced atomically.
func SetPassword(path, user string, role Role, password string, cost int) error {
	if !validName(user) {
		return fmt.Errorf("user %q: want 1 to 64 characters without ':' or spaces", user)
	}
	if _, err := ParseRole(string(role)); err != nil {
		return err
	}
	hash, err := HashPassword(password, cost)
	if err != nil {
		return err
	}
	var users []User
	if _, err := os.Stat(path); err == nil {
		if users, err = ReadUsers(path); err != nil {
			return err
		}
	}
	users = append(slicesDeleteUser(users, user), User{Name: user, Role: role, Hash: hash})
	sort.Slice(users, func(i, j int) bool { return users[i].Name < users[j].Name })
	var b bytes.Buffer
	b.WriteString("# stampd web logins: name:role:bcrypt-hash; written by `stampctl web passwd`\n")
	for _, u := range users {
		fmt.Fprintf(&b, "%s:%s:%s\n", u.Name, u.Role, u.Hash)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".web-users-*")
	if err != nil {
		return fmt.Errorf("web users: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(UsersFileMode); err != nil {
		tmp.Close()
		return fmt.Errorf("web users: %w", err)
	}
	if gid, ok := fileGroup(path); ok {
		if err := tmp.Chown(-1, gid); err != nil {
			tmp.Close()
			return fmt.Errorf("web users: give %s the group of its directory: %w", path, err)
		}
	}
	if _, err := tmp.Write(b.Bytes()); err != nil {
		tmp.Close()
		return fmt.Errorf("web users: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("web users: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("web users: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("web users: %w", err)
	}
	return nil
}

// fileGroup is the group the users file should have, so stampd (running
// as the service's group) may read it: the file's own group, else its
// directory's (/etc/stampclock is root:stampclock).
func fileGroup(path string) (int, bool) {
	for _, p := range []string{path, filepath.Dir(path)} {
		if fi, err := os.Stat(p); err == nil {
			if st, ok := fi.Sys().(*syscall.Stat_t); ok {
				return int(st.Gid), true
			}
		}
	}
	return 0, false
}

func slicesDeleteUser(users []User, name string) []User {
	out := users[:0]
	for _, u := range users {
		if u.Name != name {
			out = append(out, u)
		}
	}
	return out
}

// checkLogin returns the user's role when password is right. An unknown
// name is compared against dummy, so it takes as long as a wrong password.
func checkLogin(users []User, name, password string, dummy []byte) (Role, bool) {
	for _, u := range users {
		if u.Name == name {
			if bcrypt.CompareHashAndPassword(u.Hash, []byte(password)) == nil {
				return u.Role, true
			}
			return "", false
		}
	}
	_ = bcrypt.CompareHashAndPassword(dummy, []byte(password))
	return "", false
}
