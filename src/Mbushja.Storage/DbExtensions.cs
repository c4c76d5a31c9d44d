using System.Data.Common;
using System.Runtime.CompilerServices;

namespace Mbushja.Storage;

/// <summary>Small helpers that keep ADO.NET code short and engine-neutral.</summary>
public static class DbExtensions
{
    /// <summary>A command on a connection (and transaction), with named parameters <c>@name</c>.</summary>
    public static DbCommand Command(this DbConnection connection, string sql, DbTransaction? transaction = null, params (string Name, object? Value)[] parameters)
    {
        DbCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach ((string name, object? value) in parameters)
        {
            command.AddParameter(name, value);
        }

        return command;
    }

    /// <summary>
    /// Like <see cref="Command"/>, but the command object is kept with the connection and handed out again for the
    /// same SQL: SQLite then prepares each statement once per connection instead of once per use. For statements run
    /// very often on a long-lived connection (the ledger writer's, or a reader of <see cref="Database.OpenReaderAsync"/>). Do not dispose the command; one user at a time.
    /// </summary>
    public static DbCommand Reused(this DbConnection connection, string sql, DbTransaction? transaction, params (string Name, object? Value)[] parameters)
    {
        // Npgsql prepares repeated statements itself (Max Auto Prepare), and a reused NpgsqlCommand whose parameters
        // are replaced was seen to miss rows: only SQLite gets the cache.
        if (connection is not Microsoft.Data.Sqlite.SqliteConnection)
        {
            return connection.Command(sql, transaction, parameters);
        }

        Dictionary<string, DbCommand> cache = Statements.GetValue(connection, _ => new Dictionary<string, DbCommand>(StringComparer.Ordinal));
        if (!cache.TryGetValue(sql, out DbCommand? command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            cache[sql] = command;
        }

        command.Transaction = transaction;
        DbParameterCollection bound = command.Parameters;
        if (SameNames(bound, parameters))
        {
            // The same statement with the same names (as it nearly always is): new values in the parameters it has.
            for (int i = 0; i < parameters.Length; i++)
            {
                bound[i].Value = parameters[i].Value ?? DBNull.Value;
            }

            return command;
        }

        bound.Clear();
        foreach ((string name, object? value) in parameters)
        {
            command.AddParameter(name, value);
        }

        return command;
    }

    /// <summary>Whether <paramref name="bound"/> holds exactly these names, in this order (as <see cref="AddParameter"/> names them).</summary>
    private static bool SameNames(DbParameterCollection bound, (string Name, object? Value)[] parameters)
    {
        if (bound.Count != parameters.Length)
        {
            return false;
        }

        for (int i = 0; i < parameters.Length; i++)
        {
            string had = bound[i].ParameterName;
            string name = parameters[i].Name;
            bool same = had.Length == name.Length
                ? string.Equals(had, name, StringComparison.Ordinal)
                : had.Length == name.Length + 1 && had[0] == '@' && had.AsSpan(1).SequenceEqual(name);
            if (!same)
            {
                return false;
            }
        }

        return true;
    }

    private static readonly ConditionalWeakTable<DbConnection, Dictionary<string, DbCommand>> Statements = [];

    /// <summary>The rows of the reader's current result, each as its columns' values (null for NULL).</summary>
    public static async Task<IReadOnlyList<object?[]>> ReadRowsAsync(this DbDataReader reader, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var rows = new List<object?[]>();
        while (await reader.ReadAsync(ct))
        {
            object?[] row = new object?[reader.FieldCount];
            for (int i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    /// <summary>Adds a statement to a batch, with named parameters <c>@name</c>; returns it (its row count, once run).</summary>
    public static DbBatchCommand Add(this DbBatch batch, string sql, params (string Name, object? Value)[] parameters)
    {
        DbBatchCommand command = batch.NewCommand(sql, parameters);
        batch.BatchCommands.Add(command);
        return command;
    }

    /// <summary>A statement for a batch, with named parameters <c>@name</c>, not yet in it.</summary>
    public static DbBatchCommand NewCommand(this DbBatch batch, string sql, params (string Name, object? Value)[] parameters)
    {
        ArgumentNullException.ThrowIfNull(batch);
        DbBatchCommand command = batch.CreateBatchCommand();
        command.CommandText = sql;
        foreach ((string name, object? value) in parameters)
        {
            DbParameter parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        return command;
    }

    public static DbParameter AddParameter(this DbCommand command, string name, object? value)
    {
        DbParameter parameter = command.CreateParameter();
        // Microsoft.Data.Sqlite looks a bare name up as written, then with each prefix (@, $, :) in turn, at every
        // execution; given as written in the SQL it is found at once.
        parameter.ParameterName = command is Microsoft.Data.Sqlite.SqliteCommand && name is [not ('@' or '$' or ':'), ..] ? "@" + name : name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return parameter;
    }

    public static string? GetNullableString(this DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static long? GetNullableInt64(this DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);
}
