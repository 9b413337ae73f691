import { Fragment, useState } from 'react';
import { Link } from 'react-router';
import { FormError } from '../../components/Field';
import { Empty, QueryError, SkeletonRows } from '../../components/States';
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
  const [opened, setOpened] = useState<string | null>(null);
  const input = {
    limit: 50,
    search: search || undefined,
    role: filter === 'user' || filter === 'admin' ? filter : undefined,
    banned: filter === 'banned' ? true : undefined,
  };
  const utils = trpc.useUtils();
  const users = trpc.admin.users.list.useInfiniteQuery(input, { getNextPageParam: (page) => page.nextCursor });

  // Optimistic: the row changes at once and goes back if the server refuses.
  const update = trpc.admin.users.update.useMutation({
    onMutate: async (change) => {
      await utils.admin.users.list.cancel();
      const before = utils.admin.users.list.getInfiniteData(input);
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

  const rows: AdminUser[] = users.data?.pages.flatMap((page) => page.users) ?? [];
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  // Your own row can be neither selected nor changed: the server refuses both.
  const selectable = rows.filter((u) => u.id !== myId);
  const allSelected = selectable.length > 0 && selectable.every((u) => selected.has(u.id));

  return (
    <section className="card" aria-labelledby="users-title">
      <div className="card-head">
        <h1 id="users-title">Users</h1>
      </div>
      <div className="toolbar">
        <input
          type="search"
          className="input search"
          placeholder="Search usernames…"
          aria-label="Search usernames"
          value={searchText}
          onChange={(e) => setSearchText(e.target.value)}
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
            <button
              type="button"
              className="btn btn-small btn-danger"
              disabled={bulk.isPending}
              onClick={() => bulk.mutate({ userIds: [...selected], action: confirming.action })}
            >
              {confirming.label} {selected.size}
            </button>
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
      {bulkDone ? (
        <p className="small ok-text" role="status">
          {bulkDone}
        </p>
      ) : null}
      <FormError message={bulk.error?.message ?? update.error?.message} />
      {users.isPending ? (
        <SkeletonRows rows={6} label="Loading users" />
      ) : users.isError ? (
        <QueryError error={users.error} what="users" retry={() => void users.refetch()} />
      ) : rows.length === 0 ? (
        <Empty>No users match.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table table-admin">
            <thead>
              <tr>
                <th scope="col" className="check">
                  <input
                    type="checkbox"
                    aria-label="Select all"
                    checked={allSelected}
                    onChange={() => setSelected(allSelected ? new Set() : new Set(selectable.map((u) => u.id)))}
                  />
                </th>
                <th scope="col">Username</th>
                <th scope="col" className="hide-narrow">
                  Role
                </th>
                <th scope="col" className="hide-narrow">
                  Player
                </th>
                <th scope="col" className="hide-narrow">
                  Joined
                </th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((user) => (
                <Fragment key={user.id}>
                  <tr data-username={user.username}>
                    <td className="check">
                      {user.id === myId ? null : (
                        <input
                          type="checkbox"
                          aria-label={`Select ${user.username}`}
                          checked={selected.has(user.id)}
                          onChange={() => toggle(user.id)}
                        />
                      )}
                    </td>
                    <td className="name">
                      {user.username}
                      {user.telegramLinked ? <span className="muted small"> · TG</span> : null}
                      {/* Banned is the exception worth a mark; there is no column of "active". */}
                      {user.banned ? (
                        <div>
                          <span className="badge badge-cancelled">banned</span>
                        </div>
                      ) : null}
                    </td>
                    <td className="hide-narrow">{user.role}</td>
                    <td className="hide-narrow small">
                      {user.playerUid ? (
                        <Link to={`/players/${encodeURIComponent(user.playerUid)}`}>
                          {user.playerName ?? user.playerUid}
                        </Link>
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                    <td className="hide-narrow muted small">{formatDateTime(user.createdAt)}</td>
                    <td>
                      <div className="actions">
                        {user.id === myId ? (
                          <span className="muted small">you</span>
                        ) : (
                          <>
                            <button
                              type="button"
                              className="btn btn-small"
                              onClick={() => update.mutate({ userId: user.id, banned: !user.banned })}
                            >
                              {user.banned ? 'Unban' : 'Ban'}
                            </button>
                            <button
                              type="button"
                              className="btn btn-small"
                              onClick={() =>
                                update.mutate({ userId: user.id, role: user.role === 'admin' ? 'user' : 'admin' })
                              }
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
                    </td>
                  </tr>
                  {opened === user.id ? (
                    <tr className="row-tools" data-tools-for={user.username}>
                      <td colSpan={6}>
                        <UserTools user={user} />
                      </td>
                    </tr>
                  ) : null}
                </Fragment>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {users.hasNextPage ? (
        <button
          type="button"
          className="btn"
          disabled={users.isFetchingNextPage}
          onClick={() => void users.fetchNextPage()}
        >
          Load more
        </button>
      ) : null}
    </section>
  );
}
