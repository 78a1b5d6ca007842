using Microsoft.Data.Sqlite;

namespace Shoal.TrackerServer.Store;

/// <summary>Opens the tracker's SQLite file (<c>--db</c>) in WAL mode and creates a store's tables if they are missing.</summary>
internal static class SqliteDatabase
{
    public static async Task<SqliteConnection> OpenAsync(string path, string schema, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null && !Directory.Exists(directory)) throw new DirectoryNotFoundException($"no such directory for --db: {directory}");
        // DefaultTimeout: the swarm and catalogue stores have a connection each; SQLite's busy wait serialises their writes.
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, DefaultTimeout = 30 }.ToString());
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;\n" + schema;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
