from callshift.cli import main

main()
