namespace Shoal.Tests;
public class SmokeTest { [Fact] public void Works() { Shoal.Tests.Support.ReferencePrograms.Require("nonexistent-prog"); } }
