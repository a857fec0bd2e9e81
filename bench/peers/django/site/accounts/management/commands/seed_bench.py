"""Seeds the data set of Roster's bench/run.py: 10,000 users, 20 groups of 5 permissions,
every user in 2 groups, and the admin. One password hash computed once, shared by all."""

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand
from django.db import connection, transaction

PASSWORD = 'correct horse battery staple'
USERS, GROUPS, PERMISSIONS_PER_GROUP = 10_000, 20, 5


class Command(BaseCommand):
    help = "Seeds the benchmark's users, groups and permissions (into an empty, migrated database)."

    def handle(self, *args, **options):
        if User.objects.exists():
            self.stdout.write('already seeded')
            return
        self.seed()
        # As Roster runs SQLite: write-ahead log (a property of the file, kept across connections).
        if connection.vendor == 'sqlite':
            with connection.cursor() as cursor:
                cursor.execute('PRAGMA journal_mode=WAL')

    @transaction.atomic
    def seed(self):
        password = make_password(PASSWORD)
        content_type, _ = ContentType.objects.get_or_create(app_label='bench', model='bench')
        groups = []
        for g in range(GROUPS):
            permissions = Permission.objects.bulk_create([
                Permission(content_type=content_type, codename=f'bench.g{g}.p{p}', name=f'Bench {g}.{p}')
                for p in range(PERMISSIONS_PER_GROUP)
            ])
            group = Group.objects.create(name=f'group-{g:02}')
            group.permissions.set(permissions)
            groups.append(group)
        User.objects.create(username='admin', email='admin@bench.local', password=password,
                            is_staff=True, is_superuser=True)
        User.objects.bulk_create([
            User(username=f'user{i}', email=f'user{i}@bench.local', first_name='Bench',
                 last_name=f'User{i}', password=password)
            for i in range(1, USERS + 1)
        ], batch_size=2000)
        # Rank by email as Roster's seed does (row_number() over email, from 1).
        users = User.objects.filter(email__startswith='user', email__endswith='@bench.local').order_by('email')
        groups.sort(key=lambda group: group.name)
        Membership = User.groups.through
        Membership.objects.bulk_create([
            Membership(user_id=user_id, group_id=groups[k].id)
            for rn, user_id in enumerate(users.values_list('id', flat=True), start=1)
            for k in (rn % GROUPS, (rn + 1) % GROUPS)
        ], batch_size=5000)
        self.stdout.write(f'seeded {User.objects.count()} users, {Group.objects.count()} groups, '
                          f'{Permission.objects.filter(content_type=content_type).count()} permissions, '
                          f'{Membership.objects.count()} memberships')
