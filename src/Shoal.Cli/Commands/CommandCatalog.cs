using System.CommandLine;

namespace Shoal.Cli.Commands;

/// <summary>Every subcommand of shoal, in the order `shoal --help` lists them.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All() =>
    [
        CreateCommand.Create(),
        InfoCommand.Create(),
        TrackerCommand.Create(),
    ];
}
