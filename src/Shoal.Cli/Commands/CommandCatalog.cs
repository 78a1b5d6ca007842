using System.CommandLine;
using Shoal.Cli.Commands.Remote;

namespace Shoal.Cli.Commands;

/// <summary>Every subcommand of shoal, in the order `shoal --help` lists them.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All() =>
    [
        DemoCommand.Create(),
        SeedCommand.Create(),
        GetCommand.Create(),
        CreateCommand.Create(),
        InfoCommand.Create(),
        TrackerCommand.Create(),
        DaemonCommand.Create(),
        AddCommand.Create(),
        ListCommand.Create(),
        .. TorrentActionCommands.Create(),
        FilesCommand.Create(),
        LimitsCommand.Create(),
    ];
}
