using Shoal.Browser.Tests.Infrastructure;

// One Chromium for the whole run; the scenarios run one at a time, each with its own daemon, so that a 2-core machine
// shared with other builds is not asked to run several browsers and swarms at once (their timing would drift).
[assembly: AssemblyFixture(typeof(Chromium))]
[assembly: CollectionBehavior(DisableTestParallelization = true)]
