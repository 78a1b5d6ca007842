using Microsoft.Data.Sqlite;
using Shoal.Metainfo;
using Shoal.TrackerServer.Registry;
using Shoal.Wire;

namespace Shoal.TrackerServer.Store;

/// <summary>
/// Swarms and completed counters in one SQLite file (WAL). Each save is one transaction with prepared statements;
/// rows read back are validated like network input (a file can be damaged or edited).
/// </summary>
public sealed class SqliteSwarmStore : ISwarmStore
{
    private const int MaxNameLength = 1024;

    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private SqliteSwarmStore(SqliteConnection connection) => _connection = connection;

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS torrents (
            info_hash BLOB PRIMARY KEY, downloaded INTEGER NOT NULL, name TEXT) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS peers (
            info_hash BLOB NOT NULL, peer_id BLOB NOT NULL, endpoint BLOB NOT NULL,
            seeder INTEGER NOT NULL, last_seen INTEGER NOT NULL,
            PRIMARY KEY (info_hash, peer_id, endpoint)) WITHOUT ROWID;
        """;

    public static async Task<SqliteSwarmStore> OpenAsync(string path, CancellationToken cancellationToken) =>
        new(await SqliteDatabase.OpenAsync(path, Schema, cancellationToken).ConfigureAwait(false));

    public async Task<IReadOnlyList<SwarmSnapshot>> LoadAsync(SwarmLimits limits, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var torrents = new Dictionary<InfoHash, (long Downloaded, string? Name, List<StoredPeer> Peers)>();
            await using (var command = _connection.CreateCommand())
            {
                command.CommandText = """
                    SELECT t.info_hash, t.downloaded, t.name FROM torrents t
                    LEFT JOIN (SELECT info_hash, MAX(last_seen) AS newest FROM peers GROUP BY info_hash) p ON p.info_hash = t.info_hash
                    ORDER BY p.newest DESC NULLS LAST, t.downloaded DESC LIMIT $max
                    """;
                command.Parameters.AddWithValue("$max", limits.MaxTorrents);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (reader.GetValue(0) is not byte[] { Length: InfoHash.Length } hash) continue;
                    string? name = reader.IsDBNull(2) ? null : reader.GetString(2);
                    if (name is { Length: > MaxNameLength }) name = name[..MaxNameLength];
                    torrents[new InfoHash(hash)] = (Math.Max(0, reader.GetInt64(1)), name, []);
                }
            }
            await using (var command = _connection.CreateCommand())
            {
                // Newest first, and only for the torrents loaded: what is left out is what the caps would drop first.
                command.CommandText = "SELECT info_hash, peer_id, endpoint, seeder, last_seen FROM peers ORDER BY last_seen DESC";
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                int loaded = 0;
                while (loaded < limits.MaxPeers && await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (reader.GetValue(0) is not byte[] { Length: InfoHash.Length } hash) continue;
                    if (reader.GetValue(1) is not byte[] { Length: PeerId.Length } id) continue;
                    if (reader.GetValue(2) is not byte[] { Length: PeerEndpoint.CompactV4Length or PeerEndpoint.CompactV6Length } endpoint) continue;
                    if (!torrents.TryGetValue(new InfoHash(hash), out var torrent)) continue;
                    loaded++;
                    var port = (ushort)(endpoint[^2] << 8 | endpoint[^1]);
                    torrent.Peers.Add(new StoredPeer(PeerId.From(id), PeerEndpoint.FromAddress(endpoint.AsSpan(0, endpoint.Length - 2), port),
                        reader.GetInt64(3) != 0, reader.GetInt64(4)));
                }
            }
            return [.. torrents.Select(t => new SwarmSnapshot(t.Key, t.Value.Downloaded, t.Value.Name, t.Value.Peers))];
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task SaveAsync(IReadOnlyList<SwarmSnapshot> swarms, CancellationToken cancellationToken)
    {
        if (swarms.Count == 0) return;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var transaction = (SqliteTransaction)await _connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var deletePeers = Command(transaction, "DELETE FROM peers WHERE info_hash = $h", "$h");
            await using var deleteTorrent = Command(transaction, "DELETE FROM torrents WHERE info_hash = $h", "$h");
            await using var upsertTorrent = Command(transaction,
                "INSERT OR REPLACE INTO torrents (info_hash, downloaded, name) VALUES ($h, $d, $n)", "$h", "$d", "$n");
            await using var insertPeer = Command(transaction,
                "INSERT OR REPLACE INTO peers (info_hash, peer_id, endpoint, seeder, last_seen) VALUES ($h, $i, $e, $s, $t)",
                "$h", "$i", "$e", "$s", "$t");
            foreach (var swarm in swarms)
            {
                var hash = swarm.InfoHash.ToArray();
                deletePeers.Parameters[0].Value = hash;
                deletePeers.ExecuteNonQuery();
                if (swarm.IsEmpty)
                {
                    deleteTorrent.Parameters[0].Value = hash;
                    deleteTorrent.ExecuteNonQuery();
                    continue;
                }
                upsertTorrent.Parameters[0].Value = hash;
                upsertTorrent.Parameters[1].Value = swarm.Downloaded;
                upsertTorrent.Parameters[2].Value = (object?)swarm.Name ?? DBNull.Value;
                upsertTorrent.ExecuteNonQuery();
                insertPeer.Parameters[0].Value = hash;
                foreach (var peer in swarm.Peers)
                {
                    var id = peer.Id;
                    insertPeer.Parameters[1].Value = ((ReadOnlySpan<byte>)id).ToArray();
                    insertPeer.Parameters[2].Value = peer.Endpoint.Compact.ToArray();
                    insertPeer.Parameters[3].Value = peer.IsSeeder ? 1 : 0;
                    insertPeer.Parameters[4].Value = peer.LastSeenUnixSeconds;
                    insertPeer.ExecuteNonQuery();
                }
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private SqliteCommand Command(SqliteTransaction transaction, string sql, params string[] parameters)
    {
        var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var name in parameters) command.Parameters.Add(new SqliteParameter { ParameterName = name });
        command.Prepare();
        return command;
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }
}
