using System.Text.Json;
using Microsoft.Data.Sqlite;
using Shoal.Daemon.Session;

namespace Shoal.Daemon.Store;

/// <summary>
/// The daemon's state in one SQLite file (WAL, synchronous=NORMAL): the torrents with their metainfo and settings, the
/// session settings and the cumulative statistics. Structural changes are written at once; counters in batches
/// (<see cref="UpdateCounters"/>), so a crash loses at most the last batch. One connection, used under a lock.
/// </summary>
public sealed class SessionStore : IDisposable
{
    public const string FileName = "session.db";

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS torrents (
            id INTEGER PRIMARY KEY,
            info_hash TEXT NOT NULL UNIQUE,
            metainfo BLOB,
            magnet TEXT,
            download_dir TEXT NOT NULL,
            paused INTEGER NOT NULL,
            finished INTEGER NOT NULL,
            queue_position INTEGER NOT NULL,
            added_date INTEGER NOT NULL,
            done_date INTEGER NOT NULL,
            activity_date INTEGER NOT NULL,
            start_date INTEGER NOT NULL,
            edit_date INTEGER NOT NULL,
            uploaded INTEGER NOT NULL,
            downloaded INTEGER NOT NULL,
            corrupt INTEGER NOT NULL,
            seconds_downloading INTEGER NOT NULL,
            seconds_seeding INTEGER NOT NULL,
            have BLOB,
            error TEXT,
            trackers TEXT,
            settings TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS session (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """;

    private const string Columns = "id, info_hash, metainfo, magnet, download_dir, paused, finished, queue_position, added_date, done_date, " +
        "activity_date, start_date, edit_date, uploaded, downloaded, corrupt, seconds_downloading, seconds_seeding, have, error, trackers, settings";

    private readonly SqliteConnection _connection;
    private readonly Lock _sync = new();
    private SqliteCommand? _upsert;

    private SessionStore(SqliteConnection connection, string path)
    {
        _connection = connection;
        Path = path;
    }

    public string Path { get; }

    /// <summary>Opens (creating if needed) <c>stateDirectory/session.db</c>.</summary>
    public static SessionStore Open(string stateDirectory)
    {
        Directory.CreateDirectory(stateDirectory);
        string path = System.IO.Path.Combine(stateDirectory, FileName);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, DefaultTimeout = 30 }.ToString());
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;\n" + Schema;
            command.ExecuteNonQuery();
            return new SessionStore(connection, path);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public IReadOnlyList<StoredTorrent> LoadTorrents()
    {
        lock (_sync)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = $"SELECT {Columns} FROM torrents ORDER BY id";
            using var reader = command.ExecuteReader();
            var rows = new List<StoredTorrent>();
            while (reader.Read())
            {
                rows.Add(new StoredTorrent(reader.GetInt32(0), reader.GetString(1), Blob(reader, 2), Text(reader, 3), reader.GetString(4),
                    reader.GetInt64(5) != 0, reader.GetInt64(6) != 0, reader.GetInt32(7), reader.GetInt64(8), reader.GetInt64(9),
                    reader.GetInt64(10), reader.GetInt64(11), reader.GetInt64(12),
                    new StoredCounters(reader.GetInt64(13), reader.GetInt64(14), reader.GetInt64(15), reader.GetInt64(16), reader.GetInt64(17)),
                    Blob(reader, 18), Text(reader, 19), Text(reader, 20), reader.GetString(21)));
            }
            return rows;
        }
    }

    /// <summary>Inserts or replaces a torrent's whole row.</summary>
    public void Save(StoredTorrent torrent)
    {
        ArgumentNullException.ThrowIfNull(torrent);
        lock (_sync) Upsert(torrent, transaction: null);
    }

    /// <summary>
    /// A new torrent's row and the next free id, in one transaction: one commit per add. When this returns the add is in
    /// the write-ahead log, which a killed process does not lose (synchronous=NORMAL only risks it on power loss).
    /// </summary>
    public void Add<T>(StoredTorrent torrent, string key, T value)
    {
        ArgumentNullException.ThrowIfNull(torrent);
        lock (_sync)
        {
            using var transaction = _connection.BeginTransaction();
            Upsert(torrent, transaction);
            SetValue(transaction, key, JsonSerializer.Serialize(value));
            transaction.Commit();
        }
    }

    /// <summary>The row's insert statement is prepared once and reused (preparing it cost more than running it).</summary>
    private void Upsert(StoredTorrent torrent, SqliteTransaction? transaction)
    {
        if (_upsert is null)
        {
            _upsert = _connection.CreateCommand();
            _upsert.CommandText = $"INSERT OR REPLACE INTO torrents ({Columns}) VALUES ({string.Join(", ", Enumerable.Range(0, 22).Select(i => "$p" + i))})";
            for (int i = 0; i < 22; i++) _upsert.Parameters.Add(new SqliteParameter("$p" + i, null));
        }
        object?[] values =
        [
            torrent.Id, torrent.InfoHash, torrent.Metainfo, torrent.Magnet, torrent.DownloadDir, torrent.Paused ? 1 : 0, torrent.Finished ? 1 : 0,
            torrent.QueuePosition, torrent.AddedDate, torrent.DoneDate, torrent.ActivityDate, torrent.StartDate, torrent.EditDate,
            torrent.Counters.Uploaded, torrent.Counters.Downloaded, torrent.Counters.Corrupt, torrent.Counters.SecondsDownloading,
            torrent.Counters.SecondsSeeding, torrent.Have, torrent.Error, torrent.Trackers, torrent.Settings,
        ];
        for (int i = 0; i < values.Length; i++) _upsert.Parameters[i].Value = values[i] ?? DBNull.Value;
        _upsert.Transaction = transaction;
        _upsert.ExecuteNonQuery();
    }

    public void Delete(int id)
    {
        lock (_sync)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "DELETE FROM torrents WHERE id = $id";
            command.Parameters.AddWithValue("$id", id);
            command.ExecuteNonQuery();
        }
    }

    public void SaveQueuePositions(IReadOnlyCollection<(int Id, int Position)> positions)
    {
        lock (_sync)
        {
            using var transaction = _connection.BeginTransaction();
            using var command = _connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "UPDATE torrents SET queue_position = $position WHERE id = $id";
            var id = command.Parameters.Add("$id", SqliteType.Integer);
            var position = command.Parameters.Add("$position", SqliteType.Integer);
            foreach (var row in positions)
            {
                id.Value = row.Id;
                position.Value = row.Position;
                command.ExecuteNonQuery();
            }
            transaction.Commit();
        }
    }

    /// <summary>Writes the running numbers of several torrents (and the session's statistics) in one transaction.</summary>
    public void UpdateCounters(IReadOnlyCollection<(int Id, StoredCounters Counters, long ActivityDate, long DoneDate, byte[]? Have)> rows,
        TransferStats cumulative)
    {
        lock (_sync)
        {
            using var transaction = _connection.BeginTransaction();
            using (var command = _connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = """
                    UPDATE torrents SET uploaded = $up, downloaded = $down, corrupt = $corrupt, seconds_downloading = $sd,
                        seconds_seeding = $ss, activity_date = $activity, done_date = $done, have = COALESCE($have, have) WHERE id = $id
                    """;
                var id = command.Parameters.Add("$id", SqliteType.Integer);
                var up = command.Parameters.Add("$up", SqliteType.Integer);
                var down = command.Parameters.Add("$down", SqliteType.Integer);
                var corrupt = command.Parameters.Add("$corrupt", SqliteType.Integer);
                var sd = command.Parameters.Add("$sd", SqliteType.Integer);
                var ss = command.Parameters.Add("$ss", SqliteType.Integer);
                var activity = command.Parameters.Add("$activity", SqliteType.Integer);
                var done = command.Parameters.Add("$done", SqliteType.Integer);
                var have = command.Parameters.Add("$have", SqliteType.Blob);
                foreach (var row in rows)
                {
                    id.Value = row.Id;
                    up.Value = row.Counters.Uploaded;
                    down.Value = row.Counters.Downloaded;
                    corrupt.Value = row.Counters.Corrupt;
                    sd.Value = row.Counters.SecondsDownloading;
                    ss.Value = row.Counters.SecondsSeeding;
                    activity.Value = row.ActivityDate;
                    done.Value = row.DoneDate;
                    have.Value = (object?)row.Have ?? DBNull.Value;
                    command.ExecuteNonQuery();
                }
            }
            SetValue(transaction, "stats", JsonSerializer.Serialize(cumulative));
            transaction.Commit();
        }
    }

    public T? GetValue<T>(string key) where T : class
    {
        lock (_sync)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT value FROM session WHERE key = $key";
            command.Parameters.AddWithValue("$key", key);
            return command.ExecuteScalar() is string json ? JsonSerializer.Deserialize<T>(json) : null;
        }
    }

    public void SetValue<T>(string key, T value)
    {
        lock (_sync) SetValue(null, key, JsonSerializer.Serialize(value));
    }

    private void SetValue(SqliteTransaction? transaction, string key, string json)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT OR REPLACE INTO session (key, value) VALUES ($key, $value)";
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$value", json);
        command.ExecuteNonQuery();
    }

    private static byte[]? Blob(SqliteDataReader reader, int column) => reader.IsDBNull(column) ? null : (byte[])reader.GetValue(column);

    private static string? Text(SqliteDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetString(column);

    public void Dispose()
    {
        lock (_sync)
        {
            _upsert?.Dispose();
            _connection.Dispose();
        }
    }
}
