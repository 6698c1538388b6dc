"""Neural-network building blocks: modules, layers, losses, functional forms, init."""
