def handle(command):
    match command.split():
        case ["go", direction]:
            return direction
        case _:
            return None
