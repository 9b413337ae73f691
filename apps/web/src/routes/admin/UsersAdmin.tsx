import { useDeferredValue, useState } from 'react';
import { Link } from 'react-router';
import { type Column, DataTable } from '../../components/DataTable';
import { ActionButton, FormError } from '../../components/Field';
import { LoadMore } from '../../components/LoadMore';
import { QueryBoundary } from '../../components/QueryBoundary';
import { DoneNote } from '../../components/States';
import { SearchBox } from '../../components/Toolbar';
import { formatDateTime } from '../../format';
import { useDebounced } from '../../hooks/useDebounced';
import { useMe } from '../../hooks/useSession';
import { type RouterInputs, type RouterOutputs, trpc } from '../../trpc';
import { UserTools } from './UserTools';

type AdminUser = RouterOutputs['admin']['users']['list']['users'][number];
type BulkAction = RouterInputs['admin']['users']['bulk']['action'];
const roleFilters = [
  { value: 'all', label: 'Everyone' },
  { value: 'user', label: 'Users' },
  { value: 'admin', label: 'Admins' },
  { value: 'banned', label: 'Banned' },
] as const;
type RoleFilter = (typeof roleFilters)[number]['value'];

const bulkActions = [
  { action: 'ban', label: 'Ban' },
  { action: 'unban', label: 'Unban' },
  { action: 'makeAdmin', label: 'Make admin' },
  { action: 'makeUser', label: 'Make user' },
] as const satisfies readonly { action: BulkAction; label: string }[];

export function UsersAdmin() {
  const [searchText, setSearchText] = useState('');
  const search = useDebounced(searchText.trim(), 300);
  const [filter, setFilter] = useState<RoleFilter>('all');
  const [selected, setSelected] = useState<Set<string>>(() => new Set());
  const [confirming, setConfirming] = useState<(typeof bulkActions)[number] | null>(null);
  const [bulkDone, setBulkDone] = useState<string | null>(null);
  const myId = useMe().data?.id ?? null;
  // The list on screen stays (and stays usable) while the next search or filter loads, instead of
  // giving way to the loading rows at every change: the list renders from deferred values.
  const shownSearch = useDeferredValue(search);
  const shownFilter = useDeferredValue(filter);
  const input: ListInput = {
    limit: 50,
    search: shownSearch || undefined,
    role: shownFilter === 'user' || shownFilter === 'admin' ? shownFilter : undefined,
    banned: shownFilter === 'banned' ? true : undefined,
  };
  const utils = trpc.useUtils();

  // Optimistic: the row changes at once and goes back if the server refuses. Only the list the
  // change is written into is held still (its refetch cancelled), and only once it has loaded:
  // another list's fetch, such as the search typed just before the click, goes on.
  const update = trpc.admin.users.update.useMutation({
    onMutate: async (change) => {
      const before = utils.admin.users.list.getInfiniteData(input);
      if (before) await utils.admin.users.list.cancel(input);
      utils.admin.users.list.setInfiniteData(input, (data) =>
        data
          ? {
              ...data,
              pages: data.pages.map((page) => ({
                ...page,
                users: page.users.map((u) =>
                  u.id === change.userId ? { ...u, role: change.role ?? u.role, banned: change.banned ?? u.banned } : u,
                ),
              })),
            }
          : data,
      );
      return { before };
    },
    onError: (_error, _change, context) => utils.admin.users.list.setInfiniteData(input, context?.before),
    onSettled: () => utils.admin.users.list.invalidate(),
  });
  const bulk = trpc.admin.users.bulk.useMutation({
    onSuccess: (result, input) => {
      setSelected(new Set());
      setConfirming(null);
      const label = bulkActions.find((b) => b.action === input.action)?.label ?? input.action;
      setBulkDone(`${label}: ${result.changed} of ${input.userIds.length} changed (the others already were).`);
      void utils.admin.users.list.invalidate();
    },
  });

  return (
    <section className="card" aria-labelledby="users-title">
      <div className="card-head">
        <h1 id="users-title">Users</h1>
      </div>
      <div className="toolbar">
        <SearchBox
          label="Search usernames"
          placeholder="Search usernames…"
          value={searchText}
          onChange={setSearchText}
        />
        <select
          className="input"
          aria-label="Filter"
          value={filter}
          onChange={(e) => setFilter(roleFilters.find((f) => f.value === e.target.value)?.value ?? 'all')}
        >
          {roleFilters.map((f) => (
            <option key={f.value} value={f.value}>
              {f.label}
            </option>
          ))}
        </select>
      </div>
      <div className="bulk-bar" aria-live="polite">
        <span className="muted small">{selected.size} selected</span>
        {confirming ? (
          <>
            <span className="small" role="alert">
              {confirming.label} {selected.size} {selected.size === 1 ? 'user' : 'users'}?
            </span>
            <ActionButton
              className="btn btn-small btn-danger"
              pending={bulk.isPending}
              onClick={() => bulk.mutate({ userIds: [...selected], action: confirming.action })}
            >
              {confirming.label} {selected.size}
            </ActionButton>
            <button type="button" className="btn btn-small" onClick={() => setConfirming(null)}>
              Cancel
            </button>
          </>
        ) : (
          bulkActions.map((b) => (
            <button
              key={b.action}
              type="button"
              className="btn btn-small"
              disabled={selected.size === 0 || bulk.isPending}
              onClick={() => {
                setBulkDone(null);
                setConfirming(b);
              }}
            >
              {b.label}…
            </button>
          ))
        )}
      </div>
      <DoneNote message={bulkDone} />
      <FormError message={bulk.error?.message ?? update.error?.message} />
      <QueryBoundary what="users" resetKeys={[JSON.stringify(input)]} loading={{ rows: 6, label: 'Loading users' }}>
        <UsersTable
          input={input}
          myId={myId}
          selected={selected}
          onSelect={setSelected}
          onChange={(change) => update.mutate(change)}
        />
      </QueryBoundary>
    </section>
  );
}

type UserChange = RouterInputs['admin']['users']['update'];
type ListInput = RouterInputs['admin']['users']['list'];

/** One page of users after another; your own row can be neither selected nor changed (the server refuses both). */
function UsersTable({
  input,
  myId,
  selected,
  onSelect,
  onChange,
}: {
  input: ListInput;
  myId: string | null;
  selected: ReadonlySet<string>;
  onSelect: (next: Set<string>) => void;
  onChange: (change: UserChange) => void;
}) {
  const [users, query] = trpc.admin.users.list.useSuspenseInfiniteQuery(input, {
    getNextPageParam: (page) => page.nextCursor,
  });
  const [opened, setOpened] = useState<string | null>(null);
  const rows: AdminUser[] = users.pages.flatMap((page) => page.users);
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    onSelect(next);
  };
  const selectable = rows.filter((u) => u.id !== myId);
  const allSelected = selectable.length > 0 && selectable.every((u) => selected.has(u.id));
  const columns: Column<AdminUser>[] = [
    {
      key: 'check',
      className: 'check',
      header: (
        <input
          type="checkbox"
          aria-label="Select all"
          checked={allSelected}
          onChange={() => onSelect(allSelected ? new Set() : new Set(selectable.map((u) => u.id)))}
        />
      ),
      cell: (user) =>
        user.id === myId ? null : (
          <input
            type="checkbox"
            aria-label={`Select ${user.username}`}
            checked={selected.has(user.id)}
            onChange={() => toggle(user.id)}
          />
        ),
    },
    {
      key: 'username',
      header: 'Username',
      cellClassName: 'name',
      cell: (user) => (
        <>
          {user.username}
          {user.telegramLinked ? <span className="muted small"> · TG</span> : null}
          {/* Banned is the exception worth a mark; there is no column of "active". */}
          {user.banned ? (
            <div>
              <span className="badge badge-cancelled">banned</span>
            </div>
          ) : null}
        </>
      ),
    },
    { key: 'role', header: 'Role', className: 'hide-narrow', cell: (user) => user.role },
    {
      key: 'player',
      header: 'Player',
      className: 'hide-narrow',
      cellClassName: 'small',
      cell: (user) =>
        user.playerUid ? (
          <Link to={`/players/${encodeURIComponent(user.playerUid)}`}>{user.playerName ?? user.playerUid}</Link>
        ) : (
          <span className="muted">—</span>
        ),
    },
    {
      key: 'joined',
      header: 'Joined',
      className: 'hide-narrow',
      cellClassName: 'muted small',
      cell: (user) => formatDateTime(user.createdAt),
    },
    {
      key: 'actions',
      header: 'Actions',
      cell: (user) => (
        <div className="actions">
          {user.id === myId ? (
            <span className="muted small">you</span>
          ) : (
            <>
              <button
                type="button"
                className="btn btn-small"
                onClick={() => onChange({ userId: user.id, banned: !user.banned })}
              >
                {user.banned ? 'Unban' : 'Ban'}
              </button>
              <button
                type="button"
                className="btn btn-small"
                onClick={() => onChange({ userId: user.id, role: user.role === 'admin' ? 'user' : 'admin' })}
              >
                {user.role === 'admin' ? 'Make user' : 'Make admin'}
              </button>
            </>
          )}
          <button
            type="button"
            className="btn btn-small"
            aria-expanded={opened === user.id}
            onClick={() => setOpened(opened === user.id ? null : user.id)}
          >
            {opened === user.id ? 'Less' : 'More'}
          </button>
        </div>
      ),
    },
  ];
  return (
    <>
      <DataTable
        rows={rows}
        columns={columns}
        rowKey={(user) => user.id}
        empty="No users match."
        rowProps={(user) => ({ 'data-username': user.username })}
        detail={(user) => (opened === user.id ? <UserTools user={user} /> : null)}
        detailProps={(user) => ({ className: 'row-tools', 'data-tools-for': user.username })}
      />
      <LoadMore query={query} />
    </>
  );
}
