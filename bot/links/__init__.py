"""Links hirebot puts in e-mails, and the small pages `hirebot serve` answers them with."""
