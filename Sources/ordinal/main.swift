import OrdinalCLI

await OrdinalCommand.mainEntry()
