namespace Sandbox.Host.Configuration;

public enum PersistenceProvider { Sqlite, Postgres }
