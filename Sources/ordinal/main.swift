import OrdinalCLI

await OrdinalCommand.main()
