"""One module per command. Each provides HELP, add_arguments(parser) and run(args).

Modules import only the standard library at the top; heavy imports go inside run().
"""
