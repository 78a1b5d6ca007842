using System.CommandLine;
using System.CommandLine.Help;
using Shoal.Cli;
using Shoal.Cli.Commands;

InlineSocketCompletions.ApplyFor(args);

// A plain command named "shoal" rather than RootCommand, whose name is the entry assembly's ("Shoal.Cli") and would
// show in every usage line; so --help and --version are added here.
var root = new Command("shoal", "Shoal — fast, robust BitTorrent file sharing: seed, get, create, info, tracker, demo.")
{
    new HelpOption(),
    new VersionOption(),
};
foreach (var command in CommandCatalog.All()) root.Subcommands.Add(command);
return await CommandRunner.InvokeAsync(root, args);
