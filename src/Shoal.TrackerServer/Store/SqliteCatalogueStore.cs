using Microsoft.Data.Sqlite;
using Shoal.Metainfo;
using Shoal.TrackerServer.Catalogue;

namespace Shoal.TrackerServer.Store;

/// <summary>
/// Catalogue entries in the tracker's SQLite file (its own table and connection beside <see cref="SqliteSwarmStore"/>;
/// WAL lets both write, SQLite's busy wait serialises them).
/// </summary>
public sealed class SqliteCatalogueStore : ICatalogueStore
{
    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private SqliteCatalogueStore(SqliteConnection connection) => _connection = connection;

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS catalogue (
            info_hash BLOB PRIMARY KEY, torrent BLOB NOT NULL, published INTEGER NOT NULL, last_seeded INTEGER NOT NULL);
        """;

    public static async Task<SqliteCatalogueStore> OpenAsync(string path, CancellationToken cancellationToken) =>
        new(await SqliteDatabase.OpenAsync(path, Schema, cancellationToken).ConfigureAwait(false));

    public async Task<IReadOnlyList<StoredCatalogueEntry>> LoadAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var rows = new List<StoredCatalogueEntry>();
            await using var command = _connection.CreateCommand();
            command.CommandText = "SELECT info_hash, torrent, published, last_seeded FROM catalogue ORDER BY published, info_hash";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (reader.GetValue(0) is not byte[] hash || reader.GetValue(1) is not byte[] torrent) continue;
                rows.Add(new StoredCatalogueEntry(hash, torrent, FromUnix(reader.GetInt64(2)), FromUnix(reader.GetInt64(3))));
            }
            return rows;
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task AddAsync(CatalogueEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return ExecuteAsync("INSERT OR REPLACE INTO catalogue (info_hash, torrent, published, last_seeded) VALUES ($h, $t, $p, $s)",
            cancellationToken, ("$h", entry.InfoHash.ToArray()), ("$t", entry.TorrentBytes.ToArray()),
            ("$p", entry.PublishedAt.ToUnixTimeSeconds()), ("$s", entry.LastSeededAt.ToUnixTimeSeconds()));
    }

    public Task RemoveAsync(InfoHash infoHash, CancellationToken cancellationToken) =>
        ExecuteAsync("DELETE FROM catalogue WHERE info_hash = $h", cancellationToken, ("$h", infoHash.ToArray()));

    public async Task SaveLastSeededAsync(IReadOnlyList<CatalogueEntry> entries, CancellationToken cancellationToken)
    {
        if (entries.Count == 0) return;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var transaction = (SqliteTransaction)await _connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var update = _connection.CreateCommand();
            update.Transaction = transaction;
            update.CommandText = "UPDATE catalogue SET last_seeded = $s WHERE info_hash = $h";
            var seeded = update.Parameters.Add(new SqliteParameter { ParameterName = "$s" });
            var hash = update.Parameters.Add(new SqliteParameter { ParameterName = "$h" });
            foreach (var entry in entries)
            {
                seeded.Value = entry.LastSeededAt.ToUnixTimeSeconds();
                hash.Value = entry.InfoHash.ToArray();
                await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = _connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    // A damaged row must not stop the tracker: clamp to what DateTimeOffset can hold.
    private static DateTimeOffset FromUnix(long seconds) =>
        DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, 0, DateTimeOffset.MaxValue.ToUnixTimeSeconds()));

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
