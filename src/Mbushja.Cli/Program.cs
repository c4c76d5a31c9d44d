using Mbushja.Cli;

return await MbushjaCli.RunAsync(args);
