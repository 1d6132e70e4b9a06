from tcoder.cli import main

raise SystemExit(main())
