using System.CommandLine;
using Shoal.Cli;
using Shoal.Cli.Commands;

var root = new RootCommand("Shoal — fast, robust BitTorrent file sharing: seed, get, create, info, tracker, demo.");
foreach (var command in CommandCatalog.All()) root.Subcommands.Add(command);
return await CommandRunner.InvokeAsync(root, args);
