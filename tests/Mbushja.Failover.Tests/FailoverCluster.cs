using Mbushja.Testing;

namespace Mbushja.Failover.Tests;

/// <summary>The pg_auto_failover cluster of <c>deploy/pg-ha</c>, one per test class that asks for it.</summary>
public sealed class FailoverCluster : PgAutoFailoverCluster, IAsyncLifetime;
