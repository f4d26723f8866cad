package ldap

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/i18n"
	goldap "github.com/go-ldap/ldap/v3"
)

// LockedForever is the pwdAccountLockedTime that the ppolicy overlay reads
// as "locked until an administrator unlocks".
const LockedForever = "000001010000Z"

// done reports LDAP results that mean the change is already made.
func done(err error, codes ...uint16) bool {
	for _, c := range codes {
		if goldap.IsErrorWithCode(err, c) {
			return true
		}
	}
	return false
}

// findOne returns the DN and attributes of the single entry the filter
// matches below base ("" if none).
func (s *Source) findOne(conn *goldap.Conn, base, filter string, attrs []string) (*goldap.Entry, error) {
	res, err := conn.Search(goldap.NewSearchRequest(base, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases, 2, 0, false, filter, attrs, nil))
	if done(err, goldap.LDAPResultNoSuchObject) {
		return nil, nil
	}
	if err != nil {
		return nil, i18n.Errorf("ldap search %s: %v", base, errorText(err))
	}
	switch len(res.Entries) {
	case 0:
		return nil, nil
	case 1:
		return res.Entries[0], nil
	}
	return nil, i18n.Errorf("ldap: %s matches more than one entry below %s", filter, base)
}

// account finds an account entry by id. The id is escaped here, where the
// filter is built, and nowhere else.
func (s *Source) account(conn *goldap.Conn, id string) (*goldap.Entry, error) {
	filter := fmt.Sprintf("(&%s(%s=%s))", s.cfg.AccountFilter, s.cfg.IDAttr, goldap.EscapeFilter(id))
	base := s.cfg.AccountBase
	if e, err := s.findOne(conn, base, filter, []string{s.cfg.IDAttr}); e != nil || err != nil || s.cfg.DisabledOU == "" {
		return e, err
	}
	return s.findOne(conn, s.cfg.DisabledOU, filter, []string{s.cfg.IDAttr})
}

// group finds the group that gives a right.
func (s *Source) group(conn *goldap.Conn, system, entitlement string) (*goldap.Entry, error) {
	dn, cn, ok := s.cfg.groupFor(system, entitlement)
	if !ok {
		return nil, i18n.Errorf("ldap: no group mapping gives %s on %s", entitlement, system)
	}
	attrs := []string{"objectClass", "cn"}
	if dn != "" {
		res, err := conn.Search(goldap.NewSearchRequest(dn, goldap.ScopeBaseObject, goldap.NeverDerefAliases, 1, 0, false, "(objectClass=*)", attrs, nil))
		if done(err, goldap.LDAPResultNoSuchObject) {
			return nil, nil
		}
		if err != nil {
			return nil, i18n.Errorf("ldap search %s: %v", dn, errorText(err))
		}
		return res.Entries[0], nil
	}
	return s.findOne(conn, s.cfg.GroupBase, fmt.Sprintf("(&%s(cn=%s))", s.cfg.GroupFilter, goldap.EscapeFilter(cn)), attrs)
}

// Apply carries out one plan action: revoke removes the member value from
// the group, grant adds it, disable_account locks the account (ppolicy) or
// moves it to the disabled OU. What is already done counts as done.
func (s *Source) Apply(ctx context.Context, c connectors.Change) error {
	conn, release, err := s.connect(ctx)
	if err != nil {
		return err
	}
	defer release()
	acct, err := s.account(conn, c.Account)
	if err != nil {
		return err
	}
	if acct == nil {
		return nil // the account is gone: nothing it could hold is left
	}
	if c.Op == "disable_account" {
		return s.disable(conn, acct)
	}
	g, err := s.group(conn, c.System, c.Entitlement)
	if err != nil || g == nil {
		return err // a group that is gone gives no right
	}
	if c.Op == "revoke" && c.Via != "" {
		// Held through nested groups: removing the account from a group in
		// the path would take the other rights that group gives too.
		// Remove the direct membership, if any, and leave the rest to
		// people, saying where.
		nested := strings.TrimPrefix(c.Via, "direct; ")
		if nested != c.Via {
			if err := s.Apply(ctx, connectors.Change{Op: c.Op, System: c.System, Account: c.Account, Entitlement: c.Entitlement}); err != nil {
				return err
			}
		}
		return i18n.Errorf("%w: %s holds %s on %s through nested groups (%s): take %s out of the innermost group, or that group out of the one above it",
			connectors.ErrByHand, c.Account, c.Entitlement, c.System, nested, c.Account)
	}
	attr, value := "member", acct.DN
	switch classes := strings.ToLower(strings.Join(g.GetAttributeValues("objectClass"), " ")); {
	case strings.Contains(classes, "groupofuniquenames"):
		attr = "uniqueMember"
	case strings.Contains(classes, "posixgroup"):
		attr, value = "memberUid", acct.GetAttributeValue(s.cfg.IDAttr)
	}
	mod := goldap.NewModifyRequest(g.DN, nil)
	switch c.Op {
	case "revoke":
		mod.Delete(attr, []string{value})
		err := conn.Modify(mod)
		if done(err, goldap.LDAPResultObjectClassViolation) && attr != "memberUid" {
			// The last member of a groupOfNames or groupOfUniqueNames: the
			// schema forbids an empty group.
			return s.removeLast(conn, g.DN, attr, value, c.Account)
		}
		if s.cfg.Directory == DirectoryAD && done(err, goldap.LDAPResultUnwillingToPerform) {
			err = nil // Active Directory's answer to removing a member that is not one
		}
		if err != nil && !done(err, goldap.LDAPResultNoSuchAttribute, goldap.LDAPResultNoSuchObject) {
			return i18n.Errorf("ldap: remove %s from %s: %v", c.Account, g.DN, errorText(err))
		}
	case "grant":
		mod.Add(attr, []string{value})
		if err := conn.Modify(mod); err != nil && !done(err, goldap.LDAPResultAttributeOrValueExists) {
			return i18n.Errorf("ldap: add %s to %s: %v", c.Account, g.DN, errorText(err))
		}
	default:
		return i18n.Errorf("ldap: cannot %s", c.Op)
	}
	return nil
}

// removeLast removes the last member of a group whose object class needs
// one: in one change, the configured placeholder member comes in as the
// account goes; without a placeholder it is work for people.
func (s *Source) removeLast(conn *goldap.Conn, group, attr, value, account string) error {
	if s.cfg.EmptyGroupMember == "" {
		return i18n.Errorf("%w: removing %s would leave %s empty, which its object class forbids; remove the right by hand (or delete the group), or set empty_group_member on source %s to a placeholder DN",
			connectors.ErrByHand, account, group, s.SourceName)
	}
	mod := goldap.NewModifyRequest(group, nil)
	mod.Add(attr, []string{s.cfg.EmptyGroupMember})
	mod.Delete(attr, []string{value})
	if err := conn.Modify(mod); err != nil {
		return i18n.Errorf("ldap: replace %s by the placeholder %s in %s: %v", account, s.cfg.EmptyGroupMember, group, errorText(err))
	}
	return nil
}

func (s *Source) disable(conn *goldap.Conn, acct *goldap.Entry) error {
	if s.cfg.DisableMethod == "uac" {
		return s.disableUAC(conn, acct.DN)
	}
	if s.cfg.DisableMethod == "move" {
		if strings.HasSuffix(strings.ToLower(normDN(acct.DN)), normDN(s.cfg.DisabledOU)) {
			return nil // already moved
		}
		rdn := strings.SplitN(acct.DN, ",", 2)[0]
		if err := conn.ModifyDN(goldap.NewModifyDNRequest(acct.DN, rdn, true, s.cfg.DisabledOU)); err != nil && !done(err, goldap.LDAPResultNoSuchObject) {
			return i18n.Errorf("ldap: move %s to %s: %v", acct.DN, s.cfg.DisabledOU, errorText(err))
		}
		return nil
	}
	mod := goldap.NewModifyRequest(acct.DN, nil)
	mod.Replace(s.cfg.DisabledAttr, []string{LockedForever})
	if err := conn.Modify(mod); err != nil {
		return i18n.Errorf("ldap: lock %s: %v", acct.DN, errorText(err))
	}
	return nil
}

// disableUAC sets the ACCOUNTDISABLE bit of an Active Directory account's
// userAccountControl, keeping its other flags: it reads the value, and
// replaces exactly that value in one modify (delete the old value, add the
// new), so that a change made between the read and the write makes the
// modify fail instead of being overwritten; then it reads again and tries
// once more.
func (s *Source) disableUAC(conn *goldap.Conn, dn string) error {
	attr := s.cfg.DisabledAttr
	for attempt := 0; attempt < 3; attempt++ {
		res, err := conn.Search(goldap.NewSearchRequest(dn, goldap.ScopeBaseObject, goldap.NeverDerefAliases, 1, 0, false, "(objectClass=*)", []string{attr}, nil))
		if done(err, goldap.LDAPResultNoSuchObject) {
			return nil
		}
		if err != nil {
			return i18n.Errorf("ldap search %s: %v", dn, errorText(err))
		}
		old := res.Entries[0].GetEqualFoldAttributeValue(attr)
		n, err := strconv.ParseInt(old, 10, 64)
		if err != nil {
			return i18n.Errorf("ldap: %s of %s is %q, not a number", attr, dn, old)
		}
		if n&s.cfg.DisabledBit != 0 {
			return nil // already disabled
		}
		mod := goldap.NewModifyRequest(dn, nil)
		mod.Delete(attr, []string{old})
		mod.Add(attr, []string{strconv.FormatInt(n|s.cfg.DisabledBit, 10)})
		err = conn.Modify(mod)
		if err == nil {
			return nil
		}
		if !done(err, goldap.LDAPResultNoSuchAttribute) {
			return i18n.Errorf("ldap: disable %s: %v", dn, errorText(err))
		}
		// The value changed since it was read: read it again.
	}
	return i18n.Errorf("ldap: disable %s: %s kept changing while it was being set", dn, attr)
}
